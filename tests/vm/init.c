/*
 * init.c - PID 1 for the rawuring kernel-matrix VM (tests/vm/run).
 *
 * Built by `run` with `gcc -static -Os` and packed as /init into the
 * initramfs. It mounts the pseudo file systems, runs every test listed in
 * /rawuring/manifest one after the other with its output going straight to
 * the serial console, brackets each run with markers that `run` parses, and
 * powers the machine off.
 *
 * Console protocol (each marker starts on a fresh line):
 *   @@RAWURING-KERNEL <release> <version>
 *   @@RAWURING-BEGIN <name>
 *   ...test output...
 *   @@RAWURING-END <name> rc=<N> time=<secs>s [signal=<S>] [timeout]
 *   @@RAWURING-DONE
 *
 * Manifest format: a sequence of NUL-terminated strings. Each test is
 * <name> <argv0> <arg1> ... followed by an empty string. argv0 is the
 * absolute path of the executable inside the initramfs.
 *
 * Optional environment (set through the kernel command line, where
 * unknown KEY=VALUE words become init's environment):
 *   RAWURING_TEST_TIMEOUT  seconds one test may run before it is killed
 *                          (0 or unset: no limit).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MANIFEST "/rawuring/manifest"
#define CONFIGFS "/modules/configfs.ko"
#define NULL_BLK "/modules/null_blk.ko"
#define LOOP "/modules/loop.ko"
/* One null_blk device on blk-mq with a poll queue: /dev/nullb0 takes polled I/O (RWF_HIPRI,
 * IORING_SETUP_IOPOLL), which the host cannot offer. poll_queues exists since 5.13; 1 GiB of
 * memory-less (memory_backed=0) zeros. */
#define NULL_BLK_PARAMS "nr_devices=1 queue_mode=2 submit_queues=1 poll_queues=1 gb=1"
#define MAX_ARGS 256

static volatile sig_atomic_t alarm_fired;

/* Write a formatted line to the console in one write(2) so it is not
 * split up by stdio buffering. A leading newline makes sure the marker
 * starts a line even if the previous output did not end with one. */
static void say(const char* fmt, ...) {
  char buf[4096];
  va_list ap;
  int n;

  buf[0] = '\n';
  va_start(ap, fmt);
  n = vsnprintf(buf + 1, sizeof(buf) - 2, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof(buf) - 3) n = (int)sizeof(buf) - 3;
  buf[1 + n] = '\n';
  const char* p = buf;
  size_t left = (size_t)n + 2;
  while (left > 0) {
    ssize_t w = write(STDOUT_FILENO, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    left -= (size_t)w;
  }
}

static void power_off(void) {
  sync();
  reboot(RB_POWER_OFF);
  /* Should not get here; returning from PID 1 panics the kernel, and
   * with panic=-1 and -no-reboot QEMU exits either way. */
  for (;;) pause();
}

static void do_mount(const char* src, const char* dst, const char* type, const char* opts) {
  mkdir(dst, 0755);
  if (mount(src, dst, type, MS_NOSUID, opts) != 0 && errno != EBUSY)
    say("@@RAWURING-WARN mount %s on %s: %s", type, dst, strerror(errno));
}

/* Make sure fds 0, 1 and 2 are open on the console. */
// The loopback interface comes up down in a bare initramfs: the socket tests connect to 127.0.0.1.
static void loopback_up(void) {
  const int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
    say("loopback: %s", strerror(errno));
  } else {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) say("loopback up: %s", strerror(errno));
  }
  if (s >= 0) close(s);
}

/* finit_module(2) of one module file; 0 or an errno. */
static int load_module(const char* path, const char* params) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int err = syscall(SYS_finit_module, fd, params, 0) != 0 ? errno : 0;
  close(fd);
  return err;
}

/* Loads null_blk (and configfs, which it needs where that is a module: Debian's 6.1), packed by
 * `run` from the kernel package, and says in one line whether a polled /dev/nullb0 is to be had. */
static void load_null_blk(void) {
  if (access(NULL_BLK, F_OK) != 0) {
    say("null_blk: not loaded: no " NULL_BLK " in the initramfs");
    return;
  }
  int err = access(CONFIGFS, F_OK) == 0 ? load_module(CONFIGFS, "") : 0;
  if (err != 0 && err != EEXIST) {
    say("null_blk: not loaded: finit_module(" CONFIGFS "): %s", strerror(err));
    return;
  }
  err = load_module(NULL_BLK, NULL_BLK_PARAMS);
  if (err != 0)
    say("null_blk: finit_module(%s) failed: %s", NULL_BLK_PARAMS, strerror(err));
  else
    say("null_blk: loaded with %s; /dev/nullb0 %s", NULL_BLK_PARAMS,
        access("/dev/nullb0", F_OK) == 0 ? "is there" : "is missing");
}

/* Loads the loop driver where `run` packed it (a module in Debian's kernels): /dev/loop-control
 * for the tests that put a block device over a file (cmd_discard). */
static void load_loop(void) {
  if (access(LOOP, F_OK) != 0) return;
  const int err = load_module(LOOP, "");
  if (err != 0 && err != EEXIST)
    say("loop: finit_module failed: %s", strerror(err));
  else
    say("loop: loaded; /dev/loop-control %s", access("/dev/loop-control", F_OK) == 0 ? "is there" : "is missing");
}

static void setup_console(void) {
  int ok = fcntl(STDOUT_FILENO, F_GETFD) != -1 && fcntl(STDERR_FILENO, F_GETFD) != -1 &&
           fcntl(STDIN_FILENO, F_GETFD) != -1;
  if (ok) return;
  int fd = open("/dev/console", O_RDWR | O_NOCTTY);
  if (fd < 0) fd = open("/dev/ttyS0", O_RDWR | O_NOCTTY);
  if (fd < 0) return;
  for (int i = 0; i < 3; i++)
    if (fd != i) dup2(fd, i);
  if (fd > 2) close(fd);
}

static char* read_manifest(size_t* len) {
  int fd = open(MANIFEST, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return NULL;
  }
  char* buf = malloc((size_t)st.st_size + 1);
  if (!buf) {
    close(fd);
    return NULL;
  }
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  buf[got] = '\0';
  *len = got;
  return buf;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_alarm(int sig) {
  (void)sig;
  alarm_fired = 1;
}

static void run_test(const char* name, char** argv, unsigned timeout) {
  static char* const envp[] = {
      "PATH=/rawuring/bin", "HOME=/tmp", "TMPDIR=/tmp", "TERM=dumb", "RAWURING_VM=1", NULL,
  };

  say("@@RAWURING-BEGIN %s", name);
  double start = now();

  pid_t pid = fork();
  if (pid < 0) {
    say("@@RAWURING-END %s rc=125 time=0.000s fork-failed", name);
    return;
  }
  if (pid == 0) {
    /* Own session and process group, so everything the test starts
     * can be killed with it. stdout stays the serial console (a tty),
     * so the test's stdio is line-buffered as in a shell. */
    setsid();
    if (chdir("/tmp") != 0) dprintf(STDERR_FILENO, "init: chdir /tmp: %s\n", strerror(errno));
    signal(SIGALRM, SIG_DFL);
    execve(argv[0], argv, envp);
    dprintf(STDERR_FILENO, "init: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }

  alarm_fired = 0;
  if (timeout > 0) alarm(timeout);

  int status = 0;
  int timed_out = 0;
  for (;;) {
    pid_t w = wait(&status);
    if (w == pid) break;
    if (w < 0 && errno == EINTR) {
      if (alarm_fired && !timed_out) {
        timed_out = 1;
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
      }
      continue;
    }
    if (w < 0 && errno == ECHILD) break;
    /* Some orphan that got reparented to us; it is reaped, go on. */
  }
  alarm(0);
  /* Whatever the test left behind in its session goes too. */
  kill(-pid, SIGKILL);

  double secs = now() - start;
  int rc;
  if (WIFEXITED(status)) {
    rc = WEXITSTATUS(status);
    say("@@RAWURING-END %s rc=%d time=%.3fs%s", name, rc, secs, timed_out ? " timeout" : "");
  } else if (WIFSIGNALED(status)) {
    rc = 128 + WTERMSIG(status);
    say("@@RAWURING-END %s rc=%d time=%.3fs signal=%d%s", name, rc, secs, WTERMSIG(status),
        timed_out ? " timeout" : "");
  } else {
    say("@@RAWURING-END %s rc=125 time=%.3fs", name, secs);
  }
}

int main(void) {
  do_mount("devtmpfs", "/dev", "devtmpfs", "mode=0755");
  setup_console();
  do_mount("proc", "/proc", "proc", NULL);
  do_mount("sysfs", "/sys", "sysfs", NULL);
  do_mount("tmpfs", "/tmp", "tmpfs", "mode=1777");
  do_mount("tmpfs", "/dev/shm", "tmpfs", "mode=1777");
  loopback_up();
  load_null_blk();
  load_loop();

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_alarm; /* no SA_RESTART: wait() must see EINTR */
  sigaction(SIGALRM, &sa, NULL);

  struct utsname u;
  if (uname(&u) == 0)
    say("@@RAWURING-KERNEL %s %s", u.release, u.version);
  else
    say("@@RAWURING-KERNEL unknown");

  FILE* up = fopen("/proc/uptime", "r");
  if (up) {
    double t = 0;
    if (fscanf(up, "%lf", &t) == 1) say("@@RAWURING-UPTIME %.3f", t);
    fclose(up);
  }

  unsigned timeout = 0;
  const char* tv = getenv("RAWURING_TEST_TIMEOUT");
  if (tv) timeout = (unsigned)strtoul(tv, NULL, 10);

  size_t len = 0;
  char* m = read_manifest(&len);
  if (!m) {
    say("@@RAWURING-ERROR cannot read " MANIFEST ": %s", strerror(errno));
    power_off();
  }

  size_t pos = 0;
  while (pos < len) {
    char* name = m + pos;
    pos += strlen(name) + 1;
    if (*name == '\0') continue;
    char* argv[MAX_ARGS + 1];
    int argc = 0;
    while (pos < len && m[pos] != '\0') {
      if (argc < MAX_ARGS) argv[argc++] = m + pos;
      pos += strlen(m + pos) + 1;
    }
    pos++; /* the empty string that ends this test */
    argv[argc] = NULL;
    if (argc == 0) {
      say("@@RAWURING-ERROR manifest entry %s has no command", name);
      continue;
    }
    run_test(name, argv, timeout);
  }

  say("@@RAWURING-DONE");
  power_off();
  return 0;
}
