/* sink.c - the sink types (a function table each, notify_int.h): stdout, ndjson, command;
 * webhook is in sink_webhook.c.
 *
 * Every send either delivers the whole alert or fails with a message saying why; a failure is
 * retried later by the delivery loop, so a send must be safe to repeat (a line appended twice
 * after a crash is the at-least-once the outbox promises, and the entry id is in the JSON for
 * the receiver's dedup). */
#include "notify_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- stdout: one line per alert ---- */

static const gp_notify__optspec stdout_opts[] = {{NULL, 0, false, NULL, 0, 0}};

static gp_rc stdout_send(const json_t *opts, const gp_notify__msg *m, gp_err *err) {
  (void)opts;
  if (fwrite(m->json, 1, m->len, stdout) != m->len || fputc('\n', stdout) == EOF ||
      fflush(stdout) == EOF)
    return gp_err_set(err, GP_IO, "writing to stdout: %s", strerror(errno));
  return GP_OK;
}

static const gp_notify__type stdout_type = {"stdout", stdout_opts, NULL, stdout_send};

/* ---- ndjson: appended to a file and fsynced, one JSON object per line ---- */

static const gp_notify__optspec ndjson_opts[] = {
    {"path", GP_NOTIFY_TEXT, true, NULL, 0, 0},
    {NULL, 0, false, NULL, 0, 0},
};

static gp_rc ndjson_check(const json_t *opts, const char **bad, gp_err *err) {
  if (!json_string_value(json_object_get(opts, "path"))[0]) {
    *bad = "path";
    return gp_err_set(err, GP_INVALID, "option \"path\" must not be empty");
  }
  return GP_OK;
}

/* One write of line + '\n' (O_APPEND: a concurrent writer's lines are not interleaved into
 * ours), then fsync, so that a delivery recorded as done is on disk. A short write leaves a
 * partial line; the retry appends the whole line after it, and a reader skips the fragment. */
static gp_rc ndjson_send(const json_t *opts, const gp_notify__msg *m, gp_err *err) {
  const char *path = json_string_value(json_object_get(opts, "path"));
  gp_rc rc = GP_OK;
  char *line = GP_MALLOC(m->len + 1);
  if (!line) return gp_err_set(err, GP_NOMEM, "out of memory");
  memcpy(line, m->json, m->len);
  line[m->len] = '\n';
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    rc = gp_err_set(err, GP_IO, "\"%s\": %s", path, strerror(errno));
    goto free_line;
  }
  size_t off = 0;
  while (off < m->len + 1) {
    ssize_t w = write(fd, line + off, m->len + 1 - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      rc = gp_err_set(err, GP_IO, "\"%s\": %s", path, w < 0 ? strerror(errno) : "short write");
      goto close_fd;
    }
    off += (size_t)w;
  }
  if (fsync(fd)) rc = gp_err_set(err, GP_IO, "\"%s\": fsync: %s", path, strerror(errno));
close_fd:
  if (close(fd) && !rc) rc = gp_err_set(err, GP_IO, "\"%s\": %s", path, strerror(errno));
free_line:
  GP_FREE(line);
  return rc;
}

static const gp_notify__type ndjson_type = {"ndjson", ndjson_opts, ndjson_check, ndjson_send};

/* ---- command: argv run without a shell, the alert JSON on its stdin ---- */

static const gp_notify__optspec command_opts[] = {
    {"argv", GP_NOTIFY_LIST, true, NULL, 0, 0},
    {"timeout", GP_NOTIFY_NUM, false, "10", 0.001, 3600}, /* seconds */
    {NULL, 0, false, NULL, 0, 0},
};

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first line of what the command wrote to stderr, for the failure message. */
static const char *first_line(char *buf, size_t n) {
  buf[n] = 0;
  char *nl = strchr(buf, '\n');
  if (nl) *nl = 0;
  return buf;
}

/* The child between fork and exec: only async-signal-safe calls. */
static void child_exec(int in_rd, int err_wr, char *const *argv) {
  setpgid(0, 0); /* its own group, so a timeout kills what it started too */
  int null = open("/dev/null", O_WRONLY);
  if (dup2(in_rd, 0) < 0 || dup2(err_wr, 2) < 0 || (null >= 0 && dup2(null, 1) < 0)) _exit(126);
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, NULL);
  execvp(argv[0], argv);
  const char *msg = strerror(errno);
  (void)!write(2, "cannot run ", 11);
  (void)!write(2, argv[0], strlen(argv[0]));
  (void)!write(2, ": ", 2);
  (void)!write(2, msg, strlen(msg));
  (void)!write(2, "\n", 1);
  _exit(127);
}

/* Feeds the JSON to the child's stdin and collects its stderr until it exits or the deadline
 * passes. Writes to a child that closed its stdin raise SIGPIPE, which is blocked on this
 * thread for the duration and consumed afterwards, so the process's disposition (set by
 * whoever embeds the engine) is never changed. */
static gp_rc command_run(pid_t pid, int in_wr, int err_rd, const char *data, size_t len,
                         int64_t timeout_ms, const char *prog, gp_err *err) {
  char ebuf[512];
  size_t elen = 0, off = 0;
  int64_t deadline = mono_ms() + timeout_ms;
  int status = 0;
  bool exited = false, err_eof = false;
  fcntl(in_wr, F_SETFL, O_NONBLOCK);
  fcntl(err_rd, F_SETFL, O_NONBLOCK);
  while (!exited || !err_eof) {
    struct pollfd pf[2] = {{err_rd, POLLIN, 0}, {in_wr, POLLOUT, 0}};
    int npf = in_wr >= 0 ? 2 : 1;
    int64_t left = deadline - mono_ms();
    if (left <= 0) break;
    /* after the child exited, only drain what its stderr holds (a grandchild may keep it) */
    int wait = exited ? 0 : (int)(left < 50 ? left : 50);
    if (poll(pf, (nfds_t)npf, wait) < 0 && errno != EINTR) break;
    if (npf == 2 && (pf[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(in_wr, data + off, len - off);
      if (w > 0) off += (size_t)w;
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == len) {
        close(in_wr); /* done, or the child stopped reading (EPIPE): its exit status says */
        in_wr = -1;
      }
    }
    if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char tmp[512];
      ssize_t r = read(err_rd, tmp, sizeof tmp);
      if (r > 0 && elen < sizeof ebuf - 1) {
        size_t take = (size_t)r < sizeof ebuf - 1 - elen ? (size_t)r : sizeof ebuf - 1 - elen;
        memcpy(ebuf + elen, tmp, take);
        elen += take;
      }
      if (r == 0) err_eof = true;
    } else if (exited) {
      err_eof = true;
    }
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) exited = true;
  }
  if (in_wr >= 0) close(in_wr);
  if (!exited) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return gp_err_set(err, GP_IO, "%s: timed out after %.3g s", prog, (double)timeout_ms / 1000);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return GP_OK;
  const char *line = first_line(ebuf, elen);
  if (WIFSIGNALED(status))
    return gp_err_set(err, GP_IO, "%s: killed by signal %d%s%s", prog, WTERMSIG(status),
                      *line ? ": " : "", line);
  return gp_err_set(err, GP_IO, "%s: exit status %d%s%s", prog, WEXITSTATUS(status),
                    *line ? ": " : "", line);
}

static gp_rc command_send(const json_t *opts, const gp_notify__msg *m, gp_err *err) {
  const json_t *av = json_object_get(opts, "argv");
  double timeout = json_number_value(json_object_get(opts, "timeout"));
  size_t n = json_array_size(av);
  gp_rc rc = GP_OK;
  int in[2] = {-1, -1}, er[2] = {-1, -1};
  char **argv = GP_CALLOC(n + 1, sizeof *argv);
  /* one line, newline-terminated, so that `read line` in a shell script gets all of it */
  char *data = GP_MALLOC(m->len + 1);
  if (!argv || !data) {
    GP_FREE(argv);
    GP_FREE(data);
    return gp_err_set(err, GP_NOMEM, "out of memory");
  }
  memcpy(data, m->json, m->len);
  data[m->len] = '\n';
  for (size_t i = 0; i < n; i++) argv[i] = (char *)json_string_value(json_array_get(av, i));
  if (pipe(in) || pipe(er)) {
    rc = gp_err_set(err, GP_IO, "pipe: %s", strerror(errno));
    goto close_pipes;
  }
  for (int i = 0; i < 2; i++) {
    fcntl(in[i], F_SETFD, FD_CLOEXEC);
    fcntl(er[i], F_SETFD, FD_CLOEXEC);
  }
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  pid_t pid = fork();
  if (pid == 0) child_exec(in[0], er[1], argv);
  if (pid < 0) {
    rc = gp_err_set(err, GP_IO, "fork: %s", strerror(errno));
  } else {
    close(in[0]);
    close(er[1]);
    in[0] = er[1] = -1;
    rc = command_run(pid, in[1], er[0], data, m->len + 1, (int64_t)(timeout * 1000 + 0.5), argv[0],
                     err);
    in[1] = -1; /* closed by command_run */
  }
  /* A SIGPIPE raised while blocked is pending: take it, unless one was pending before. */
  sigset_t pend;
  if (!sigismember(&old, SIGPIPE) && sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE)) {
    struct timespec zero = {0, 0};
    sigtimedwait(&pipe_set, NULL, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
close_pipes:
  for (int i = 0; i < 2; i++) {
    if (in[i] >= 0) close(in[i]);
    if (er[i] >= 0) close(er[i]);
  }
  GP_FREE(data);
  GP_FREE(argv);
  return rc;
}

static gp_rc command_check(const json_t *opts, const char **bad, gp_err *err) {
  const json_t *av = json_object_get(opts, "argv");
  if (!json_string_value(json_array_get(av, 0))[0]) {
    *bad = "argv";
    return gp_err_set(err, GP_INVALID, "option \"argv\": the program name is empty");
  }
  return GP_OK;
}

static const gp_notify__type command_type = {"command", command_opts, command_check, command_send};

/* ---- the table ---- */

static const gp_notify__type *const types[] = {&stdout_type, &ndjson_type, &command_type,
                                               &gp_notify__webhook};

const gp_notify__type *gp_notify__type_find(const char *name) {
  for (size_t i = 0; i < sizeof types / sizeof *types; i++)
    if (strcasecmp(types[i]->name, name) == 0) return types[i];
  return NULL;
}
