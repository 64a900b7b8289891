/* notify_int.h - shared inside engine/ between the outbox (notify.c) and the sink types
 * (sink.c, sink_webhook.c): the function table of a sink type. */
#ifndef GP_NOTIFY_INT_H
#define GP_NOTIFY_INT_H

#include <jansson.h>

#include "gp_notify.h"

/* An option a sink type accepts: its name, kind, whether it must be given, its default (a
 * JSON literal, NULL = none) and, for numbers, the accepted range. */
typedef struct gp_notify__optspec {
  const char *name;
  gp_notify_kind kind;
  bool required;
  const char *dflt; /* JSON text of the default, filled in at CREATE so SHOW SINKS shows it */
  double min, max;  /* NUM: inclusive range */
} gp_notify__optspec;

/* What a send is given: the sink's options (a JSON object with every option present, defaults
 * filled in), the entry id, and the alert both as compact one-line JSON and parsed. */
typedef struct gp_notify__msg {
  const char *id;
  const char *json; /* compact, one line, NUL-terminated */
  size_t len;
  json_t *alert; /* the same, parsed (borrowed) */
} gp_notify__msg;

typedef struct gp_notify__type {
  const char *name;
  const gp_notify__optspec *opts; /* terminated by a NULL name */
  /* Further checks of a complete option object (values in a set, a URL's scheme); NULL when
   * none. Returns GP_INVALID naming the option in err, *bad_name set to it. */
  gp_rc (*check)(const json_t *opts, const char **bad_name, gp_err *err);
  /* Sends one message; any error is a failed delivery, recorded with err's message. */
  gp_rc (*send)(const json_t *opts, const gp_notify__msg *m, gp_err *err);
} gp_notify__type;

/* The sink types (sink.c, sink_webhook.c); NULL when unknown. */
const gp_notify__type *gp_notify__type_find(const char *name);

/* The webhook type (sink_webhook.c). */
extern const gp_notify__type gp_notify__webhook;

/* Appends the compact JSON of j to b (jansson's allocator may be the engine's; b is ours). */
gp_rc gp_notify__dump(const json_t *j, gp_buf *b, gp_err *err);

#endif
