/* core/procs.c — child processes run a few at a time, their output relayed line by line
 * under a label (see procs.h).
 *
 * Why processes and not threads: a blend's members are whole runs (their own store
 * connection, plugins, thread pools, memory); two of them side by side in one process would
 * share every global a plugin keeps. A child is the runner itself, so a member run this way
 * is the same run as one started by hand.
 *
 * The output of two children interleaves only at line boundaries: each child writes into
 * pipes of its own and we copy whole lines, each under its label. A line longer than the
 * buffer is passed on in pieces, each piece a line of its own.
 */
#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"
#include "xp/error.h"

enum { RELAY_BUF = 8192, POLL_MS = 200 };

typedef struct relay {
    int fd;                      /* -1: closed (end of file seen) */
    FILE *to;
    size_t len;
    char buf[RELAY_BUF];
} relay;

typedef struct child {
    pid_t pid;                   /* 0: slot free */
    size_t job;
    relay out, err;
} child;

static void emit(relay *r, const char *label, const char *s, size_t len)
{
    fprintf(r->to, "[%s] %.*s\n", label, (int)len, s);
    fflush(r->to);
}

/* Passes on the buffer's complete lines; `all`: the rest too (end of file, or a full buffer). */
static void relay_lines(relay *r, const char *label, int all)
{
    size_t start = 0;
    for (size_t i = 0; i < r->len; i++)
        if (r->buf[i] == '\n') {
            emit(r, label, r->buf + start, i - start);
            start = i + 1;
        }
    if (all && start < r->len) {
        emit(r, label, r->buf + start, r->len - start);
        start = r->len;
    }
    memmove(r->buf, r->buf + start, r->len - start);
    r->len -= start;
}

static void relay_read(relay *r, const char *label)
{
    ssize_t got = read(r->fd, r->buf + r->len, sizeof r->buf - r->len);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (got <= 0) {   /* end of file, or a pipe that cannot be read: what came is passed on */
        relay_lines(r, label, 1);
        close(r->fd);
        r->fd = -1;
        return;
    }
    r->len += (size_t)got;
    relay_lines(r, label, r->len == sizeof r->buf);
}

static int spawn(const proc_job *j, child *c, char *err, size_t n)
{
    /* Close-on-exec: a child must not hold another child's pipes open (their end of file
     * would never come). Nothing else here forks, so the flags can follow pipe(). */
    int po[2], pe[2];
    if (pipe(po)) { snprintf(err, n, "cannot make a pipe for %s: %s", j->label, strerror(errno)); return XP_EIO; }
    if (pipe(pe)) {
        snprintf(err, n, "cannot make a pipe for %s: %s", j->label, strerror(errno));
        close(po[0]); close(po[1]);
        return XP_EIO;
    }
    for (int k = 0; k < 2; k++) {
        fcntl(po[k], F_SETFD, FD_CLOEXEC);
        fcntl(pe[k], F_SETFD, FD_CLOEXEC);
    }
    pid_t parent = getpid();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, n, "cannot start %s: %s", j->label, strerror(errno));
        close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
        return XP_EIO;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls from here to exec. Its own process group: a
         * terminal's Ctrl-C reaches the parent alone, which passes it on once (a second
         * signal would kill the child mid-write). SIGTERM if the parent dies first. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        /* Orphaned, its pipes have no reader: writes must fail, not kill it before it has
         * recorded its run as INTERRUPTED (an ignored signal stays ignored across exec). */
        struct sigaction ign;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &ign, NULL);
        if (getppid() != parent) _exit(128 + SIGTERM);
        if (dup2(po[1], STDOUT_FILENO) < 0 || dup2(pe[1], STDERR_FILENO) < 0) _exit(127);
        execv(j->argv[0], j->argv);
        static const char msg[] = "cannot run the runner for this member\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
        _exit(127);
    }
    setpgid(pid, pid);   /* also here: no window in which a Ctrl-C reaches the child */
    close(po[1]);
    close(pe[1]);
    c->pid = pid;
    c->out.fd = po[0];
    c->out.to = stdout;
    c->out.len = 0;
    c->err.fd = pe[0];
    c->err.to = stderr;
    c->err.len = 0;
    return XP_OK;
}

static int exit_status(int st)
{
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return 1;
}

int procs_run(proc_job *jobs, size_t n, int width, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) jobs[i].status = -1;
    if (width < 1) width = 1;
    if ((size_t)width > n) width = n ? (int)n : 1;
    child *kids = calloc((size_t)width, sizeof *kids);
    struct pollfd *fds = calloc((size_t)width * 2, sizeof *fds);
    relay **owner = calloc((size_t)width * 2, sizeof *owner);
    const char **labels = calloc((size_t)width * 2, sizeof *labels);
    if (!kids || !fds || !owner || !labels) {
        free(kids); free(fds); free(owner); free(labels);
        snprintf(err, errlen, "out of memory");
        return XP_ENOMEM;
    }
    int rc = XP_OK, stop = 0, passed_on = 0, active = 0;
    size_t next = 0;
    for (;;) {
        for (int s = 0; s < width && !stop && next < n; s++) {
            if (kids[s].pid) continue;
            if (host_interrupted()) { stop = 1; break; }
            if ((rc = spawn(&jobs[next], &kids[s], err, errlen))) { stop = 1; break; }
            kids[s].job = next++;
            active++;
        }
        if (!active) break;
        nfds_t nf = 0;
        for (int s = 0; s < width; s++) {
            if (!kids[s].pid) continue;
            relay *rs[2] = { &kids[s].out, &kids[s].err };
            for (int k = 0; k < 2; k++)
                if (rs[k]->fd >= 0) {
                    fds[nf] = (struct pollfd){ .fd = rs[k]->fd, .events = POLLIN };
                    owner[nf] = rs[k];
                    labels[nf++] = jobs[kids[s].job].label;
                }
        }
        if (nf && poll(fds, nf, POLL_MS) > 0)
            for (nfds_t i = 0; i < nf; i++)
                if (fds[i].revents) relay_read(owner[i], labels[i]);
        /* A child whose pipes are both at end of file has exited (or is about to). */
        for (int s = 0; s < width; s++) {
            if (!kids[s].pid || kids[s].out.fd >= 0 || kids[s].err.fd >= 0) continue;
            int st = 0;
            while (waitpid(kids[s].pid, &st, 0) < 0 && errno == EINTR) {}
            proc_job *j = &jobs[kids[s].job];
            j->status = exit_status(st);
            if (j->status) stop = 1;
            kids[s].pid = 0;
            active--;
        }
        int sig = host_interrupted();
        if (sig && !passed_on) {
            for (int s = 0; s < width; s++)
                if (kids[s].pid) kill(kids[s].pid, sig);
            passed_on = 1;
            stop = 1;
        }
    }
    free(kids);
    free(fds);
    free(owner);
    free(labels);
    return rc;
}
