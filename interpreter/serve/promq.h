/*
 * promq.h - one instant PromQL query, for a fleet's targets and its guard
 * (steps query Prometheus through the prometheus primitive instead).
 */
#ifndef RB_SERVE_PROMQ_H
#define RB_SERVE_PROMQ_H

#include <cjson/cJSON.h>

/*
 * GET base/api/v1/query?query=q (timeout_ms in all; the reply read up to
 * 16 MiB).  Returns the response's `data` ({resultType, result}), to free
 * with cJSON_Delete, or NULL with *err (malloc'd; it never holds the URL,
 * which may carry credentials).
 */
cJSON *promq_instant(const char *base, const char *q, long timeout_ms, char **err);

/*
 * Does data (promq_instant's) say the condition holds, as an alerting rule
 * would: a vector or matrix with a series, a scalar that is not 0?  The
 * number of series into *n (1 for a true scalar).
 */
int promq_holds(const cJSON *data, int *n);

#endif
