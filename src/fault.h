/* Fault injection for the crash and restart tests. BAITIAO_FAULT names one point of
 * the code where the process dies (or pauses) the way a real failure would leave it:
 *
 *   kill:POINT[@K]   raise(SIGKILL) the K-th time (default: first) POINT is reached;
 *                    a list "kill:P1,P2@3,…" kills at whichever comes first
 *   stop:POINT[@K]   raise(SIGSTOP) there; the process goes on after SIGCONT (the
 *                    tests restart the server or end its backend meanwhile)
 *   POINT[,…]        (no prefix) exit 99 there, as the older restart tests expect;
 *                    their after:STEP is after-commit:STEP
 *   trace            print every point reached to stderr ("baitiao: fault point
 *                    SECONDS NAME", seconds from the first point); change nothing
 *
 * Points, where SCOPE is the night's step being run ("originate" … "recon"), else
 * the command ("eod", "load", …):
 *   step-start:STEP             a step not done earlier is about to start
 *   stmt:SCOPE:NAME             before the statement NAME is sent (db.c's names)
 *   mid-copy:N                  in the process's Nth COPY, after its first rows
 *                               reached the server, before its end
 *   before-commit:SCOPE         the work is done, the commit not yet asked for
 *   after-commit-sent:SCOPE     COMMIT sent, its result not yet read
 *   after-commit:SCOPE          committed
 *   run-start, before-close, after-close   the night's run around its steps
 *   report-before-publish       a report's file is written under its temporary
 *                               name, not yet renamed
 * Without BAITIAO_FAULT every function here returns at once. */
#ifndef BAITIAO_FAULT_H
#define BAITIAO_FAULT_H

#include <glib.h>

/* The scope the following points are named in (copied). */
void fault_set_scope(const char *scope);

/* The process reached POINT (a full name, e.g. "run-start"). */
void fault_reached(const char *point);
/* The process reached "WHAT:SCOPE", e.g. "before-commit:billing". */
void fault_reached_in(const char *what);
/* The statement NAME is about to be sent: "stmt:SCOPE:NAME". */
void fault_statement(const char *name);

/* TRUE when BAITIAO_FAULT would act at POINT (kill or stop): the caller makes the
 * point real first, e.g. sends the rows of a COPY it would otherwise still buffer. */
gboolean fault_armed(const char *point);

/* A number for each COPY the process starts (1, 2, …), for the mid-copy:N points. */
guint fault_next_copy(void);

#endif
