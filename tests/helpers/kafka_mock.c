/*
 * kafka_mock - a Kafka cluster for the test suite, from librdkafka's own
 * mock cluster (rdkafka_mock.h), which speaks the real wire protocol.
 *
 *     kafka_mock [-b BROKERS] [TOPIC:PARTITIONS ...]
 *
 * Starts BROKERS (default 3) mock brokers on 127.0.0.1, creates each
 * TOPIC with PARTITIONS partitions (replication factor 1), prints the
 * bootstrap servers ("127.0.0.1:p1,127.0.0.1:p2,...") as one line on
 * stdout, and then serves until stdin reaches end of file or SIGTERM /
 * SIGINT arrives.  Tying the lifetime to stdin means a test harness that
 * dies without cleaning up cannot leave the cluster running.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* librdkafka's own logging would clutter the suite's service log */
static void quiet_log(const rd_kafka_t *rk, int level, const char *fac,
		      const char *buf)
{
}

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	char *end;
	long parts = 1;
	char name[256];
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);

	if (colon) {
		parts = strtol(colon + 1, &end, 10);
		if (*end || parts < 1 || parts > 1000) {
			fprintf(stderr, "kafka_mock: bad partition count in '%s'\n", arg);
			return -1;
		}
	}
	if (n == 0 || n >= sizeof(name)) {
		fprintf(stderr, "kafka_mock: bad topic '%s'\n", arg);
		return -1;
	}
	memcpy(name, arg, n);
	name[n] = '\0';
	rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, (int)parts, 1);
	if (err) {
		fprintf(stderr, "kafka_mock: cannot create topic '%s': %s\n",
			name, rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int brokers = 3, i = 1;
	char errstr[512];

	if (argc > 2 && strcmp(argv[1], "-b") == 0) {
		brokers = atoi(argv[2]);
		if (brokers < 1 || brokers > 16) {
			fprintf(stderr, "kafka_mock: bad broker count '%s'\n", argv[2]);
			return 2;
		}
		i = 3;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, quiet_log);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		fprintf(stderr, "kafka_mock: %s\n", errstr);
		return 1;
	}
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (!mc) {
		fprintf(stderr, "kafka_mock: cannot create the mock cluster\n");
		rd_kafka_destroy(rk);
		return 1;
	}
	int rc = 0;
	for (; i < argc; i++)
		if (create_topic(mc, argv[i]) < 0)
			rc = 2;
	if (rc == 0) {
		printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
		fflush(stdout);
		while (!stop) {
			struct pollfd p = { .fd = 0, .events = POLLIN };
			int r = poll(&p, 1, 200);
			if (r < 0 && errno != EINTR)
				break;
			if (r > 0) {
				char buf[256];
				ssize_t n = read(0, buf, sizeof(buf));
				if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
					break;
			}
		}
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return rc;
}
