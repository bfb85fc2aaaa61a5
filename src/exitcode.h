/* Process exit codes: the contract with cron, systemd and operators. */
#ifndef BAITIAO_EXITCODE_H
#define BAITIAO_EXITCODE_H

enum {
  BT_EXIT_OK = 0,           /* everything done */
  BT_EXIT_FAILURE = 1,      /* the job failed; read the log */
  BT_EXIT_USAGE = 2,        /* bad command line or configuration */
  BT_EXIT_BREAKS = 3,       /* reconciliation found breaks */
  BT_EXIT_WAITING = 4,      /* the night waits for expected partner files; the next start retries */
  BT_EXIT_LATE_ROWS = 5,    /* a file was loaded, but rows of a date already cut were rejected DATE_CLOSED */
  BT_EXIT_TEMPFAIL = 75,    /* EX_TEMPFAIL: lock held or database unreachable; retry later */
};

#endif
