/* holder.c - who holds a database's write lock, said in one sentence.
 *
 * RocksDB takes an fcntl lock on DIR/LOCK for every read-write open, and a second writer gets
 * `IO error: While lock file: DIR/LOCK: Resource temporarily unavailable`, which names neither
 * the process nor what to do. A read-write open therefore also writes DIR/LOCK.holder (pid and
 * command line, replaced atomically by rename) once it holds the lock, and removes it at close;
 * a refused open reads it back. The file is only ever advice: the lock itself stays RocksDB's,
 * so a holder file left by a process killed with SIGKILL is harmless (the next writer that gets
 * the lock overwrites it; a refused open checks that the pid still runs before naming it).
 *
 * A read-only open beside a running writer has one race of its own, found by
 * tests/e2e/readers.sh: RocksDB reads the MANIFEST, then replays the WALs it names; if the
 * writer meanwhile flushes a WAL to a table file, records that in the MANIFEST and deletes the
 * WAL, the reader has the old MANIFEST without the table file and no WAL either, and opens
 * without a word, missing every row of that WAL (a freshly created table was simply absent).
 * A WAL is only deleted after a MANIFEST edit that makes it obsolete, so a read-only open
 * during which the MANIFEST did not change (same file named by CURRENT, same size) read a
 * consistent state: gp_store__manifest_stamp is taken before and after, and the open retried
 * when they differ. */
#include "store_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

enum { HOLDER_CMD_MAX = 240 };

/* The command line of this process, arguments joined by spaces, from /proc/self/cmdline
 * (Linux); empty elsewhere. */
static void own_cmdline(char *out, size_t cap) {
  out[0] = '\0';
  FILE *f = fopen("/proc/self/cmdline", "rb");
  if (!f) return;
  size_t n = fread(out, 1, cap - 1, f);
  fclose(f);
  while (n > 0 && out[n - 1] == '\0') n--;
  for (size_t i = 0; i < n; i++)
    if (out[i] == '\0' || out[i] == '\n') out[i] = ' ';
  out[n] = '\0';
}

void gp_store__holder_write(const char *dir) {
  char path[4096], tmp[4100], cmd[HOLDER_CMD_MAX];
  if (snprintf(path, sizeof path, "%s/LOCK.holder", dir) >= (int)sizeof path) return;
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  own_cmdline(cmd, sizeof cmd);
  FILE *f = fopen(tmp, "w");
  if (!f) return; /* advice only: a read-only directory keeps RocksDB's own message */
  fprintf(f, "%ld %s\n", (long)getpid(), cmd);
  if (fclose(f) == 0)
    rename(tmp, path);
  else
    remove(tmp);
}

void gp_store__holder_remove(const char *dir) {
  char path[4096], line[32] = "";
  if (snprintf(path, sizeof path, "%s/LOCK.holder", dir) >= (int)sizeof path) return;
  FILE *f = fopen(path, "r");
  if (!f) return;
  if (!fgets(line, sizeof line, f)) line[0] = '\0';
  fclose(f);
  if (strtol(line, NULL, 10) == (long)getpid()) remove(path); /* only our own */
}

bool gp_store__is_lock_error(const char *rocksdb_msg) {
  return rocksdb_msg && strstr(rocksdb_msg, "lock file") && strstr(rocksdb_msg, "LOCK");
}

gp_rc gp_store__holder_error(const char *dir, gp_err *err) {
  char path[4096], line[HOLDER_CMD_MAX + 32] = "";
  long pid = 0;
  char *cmd = NULL;
  bool alive = false;
  /* The holder writes its file just after it got the lock: give it a moment (up to 0.2 s)
   * rather than say "another process" for a writer that is a few milliseconds old. */
  for (int attempt = 0; attempt < 20 && !alive; attempt++) {
    if (attempt) {
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
    line[0] = '\0';
    if (snprintf(path, sizeof path, "%s/LOCK.holder", dir) < (int)sizeof path) {
      FILE *f = fopen(path, "r");
      if (f) {
        if (!fgets(line, sizeof line, f)) line[0] = '\0';
        fclose(f);
      }
    }
    pid = strtol(line, &cmd, 10);
    if (cmd) {
      while (*cmd == ' ') cmd++;
      cmd[strcspn(cmd, "\n")] = '\0';
    }
    /* a pid that no longer runs left its file behind; whoever holds the lock now wrote none */
    alive = pid > 0 && pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
  }
  if (alive && cmd && *cmd)
    return gp_err_set(err, GP_BUSY,
                      "database \"%s\" is in use by process %ld (%s); it can be read meanwhile "
                      "with --read-only, or written through that process",
                      dir, pid, cmd);
  if (alive)
    return gp_err_set(err, GP_BUSY,
                      "database \"%s\" is in use by process %ld; it can be read meanwhile with "
                      "--read-only",
                      dir, pid);
  return gp_err_set(err, GP_BUSY,
                    "database \"%s\" is in use by another process; it can be read meanwhile "
                    "with --read-only",
                    dir);
}

bool gp_store__manifest_stamp(const char *dir, char *out, size_t cap) {
  char path[4096], name[256] = "";
  out[0] = '\0';
  if (snprintf(path, sizeof path, "%s/CURRENT", dir) >= (int)sizeof path) return false;
  FILE *f = fopen(path, "r");
  if (!f) return false;
  if (!fgets(name, sizeof name, f)) name[0] = '\0';
  fclose(f);
  name[strcspn(name, "\n")] = '\0';
  struct stat st;
  if (!name[0] || snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
      stat(path, &st) != 0)
    return false;
  snprintf(out, cap, "%s %lld", name, (long long)st.st_size);
  return true;
}
