/* file.c - opening and reading the files a user names, regular files only. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gp_base.h"

gp_rc gp_file_open(const char *path, int *fd, size_t *size, gp_err *err) {
  *fd = -1;
  *size = 0;
  /* O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, and the statement
   * would hang before fstat could refuse it */
  int f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (f < 0) return gp_err_set(err, GP_IO, "\"%s\": cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(f, &st) != 0) {
    int e = errno;
    close(f);
    return gp_err_set(err, GP_IO, "\"%s\": %s", path, strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    close(f);
    return gp_err_set(err, GP_IO, "\"%s\": not a regular file", path);
  }
  /* reads of a regular file never block anyway; clear the flag so callers see a plain fd */
  int fl = fcntl(f, F_GETFL);
  if (fl >= 0) (void)fcntl(f, F_SETFL, fl & ~O_NONBLOCK);
  *fd = f;
  *size = (size_t)st.st_size;
  return GP_OK;
}

gp_rc gp_file_read(const char *path, gp_mem *mem, char **out, size_t *n, gp_err *err) {
  int fd;
  size_t size, got = 0;
  char *p = NULL;
  gp_rc rc;
  *out = NULL;
  *n = 0;
  if ((rc = gp_file_open(path, &fd, &size, err)) != GP_OK) return rc;
  if (size == SIZE_MAX || !gp_mem_charge(mem, size + 1)) {
    rc = gp_err_set(err, GP_NOMEM, "\"%s\": %zu bytes do not fit the memory limit", path, size);
    goto close_fd;
  }
  if (!(p = GP_MALLOC(size + 1))) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto close_fd;
  }
  /* the size fstat gave bounds the read: a file that grows meanwhile is read as it was */
  while (got < size) {
    ssize_t k = read(fd, p + got, size - got);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      rc = gp_err_set(err, GP_IO, "\"%s\": %s", path, strerror(errno));
      goto free_p;
    }
    if (k == 0) break; /* truncated meanwhile: what is there */
    got += (size_t)k;
  }
  p[got] = '\0';
  *out = p;
  *n = got;
  close(fd);
  return GP_OK;
free_p:
  GP_FREE(p);
close_fd:
  close(fd);
  return rc;
}
