/* Fault injection for the crash and restart tests, compiled in only by
 * `configure --enable-fault-injection` (the test builds: scripts/build, scripts/test);
 * the default build and the release tarball have none of it: every function below is
 * then a macro that does nothing, and no point name is in the binary.
 *
 * BAITIAO_FAULT names points of the code where the process dies (or pauses) the way
 * a real failure would leave it. One grammar:
 *
 *   BAITIAO_FAULT = ACTION ":" POINT ["@" K] { "," POINT ["@" K] }  |  "trace"
 *   ACTION        = "kill"   raise(SIGKILL) (exit status 128+9 to the parent)
 *                 | "stop"   raise(SIGSTOP); the process goes on after SIGCONT (the
 *                            tests restart the server or end its backend meanwhile)
 *
 * at the K-th time (default: the first) POINT is reached; with a list, at whichever
 * comes first. "trace" prints every point reached to stderr ("baitiao: fault point
 * SECONDS NAME", seconds from the first point) and changes nothing. Any other value
 * is refused with a message on stderr and acts nowhere.
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
 *   shard-load-decided          a sharded group's load: the coordinator committed
 *                               the decision, no shard has committed its part
 *   shard-load-partial          the first shard committed its part, the others not
 * Without BAITIAO_FAULT every function here returns at once. */
#ifndef BAITIAO_FAULT_H
#define BAITIAO_FAULT_H

#include <glib.h>

#ifdef BAITIAO_FAULT_INJECTION

/* The scope the following points are named in (copied). */
void fault_set_scope(const char *scope);

/* The process reached POINT (a full name, e.g. "run-start"). */
void fault_reached(const char *point);
/* The process reached "WHAT:SCOPE", e.g. "before-commit:billing". */
void fault_reached_in(const char *what);
/* The statement NAME is about to be sent: "stmt:SCOPE:NAME". */
void fault_statement(const char *name);

/* A number for each COPY the process starts (1, 2, …), for the mid-copy:N points. */
guint fault_next_copy(void);
/* TRUE when BAITIAO_FAULT would act at mid-copy:ORDINAL: the caller makes the point
 * real first, sending the rows of the COPY it would otherwise still buffer. */
gboolean fault_copy_armed(guint ordinal);
/* The COPY numbered ORDINAL has rows on the server: the point mid-copy:ORDINAL. */
void fault_copy_reached(guint ordinal);

#else  /* the default build: no hook; the arguments are not even evaluated */

#define fault_set_scope(scope) ((void) 0)
#define fault_reached(point) ((void) 0)
#define fault_reached_in(what) ((void) 0)
#define fault_statement(name) ((void) 0)
#define fault_next_copy() 0u
#define fault_copy_armed(ordinal) FALSE
#define fault_copy_reached(ordinal) ((void) 0)

#endif
#endif
