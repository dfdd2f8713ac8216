/*
 * render.h - YAML nodes to values: templates evaluated (render_node), or
 * kept as data (literal_node), and data files read as values.
 */
#ifndef RB_RENDER_H
#define RB_RENDER_H

#include "base/value.h"
#include "lang/node.h"

/*
 * Rendering (render.c): the value of a YAML node with its templates
 * evaluated against ctx.  Plain scalars get YAML core typing (null, bool,
 * int, float), quoted ones stay strings.  Returns NULL with *err.
 */
value *render_node(const node *n, const value *ctx, char **err);
value *scalar_literal(const node *n);
/* a node as data, templates left as text (render.c) */
value *literal_node(const node *n);
/* a YAML/JSON file whose root is a mapping, as data; NULL with *err
 * (the loader's first diagnostic, or "PATH: what") */
value *load_data_mapping(const char *path, const char *what, char **err);
/* the same for a file that grants something (answers): refused when group
 * or others may write it, or another user than us or root owns it */
value *load_owned_mapping(const char *path, const char *what, char **err);
value *env_object(void);

#endif
