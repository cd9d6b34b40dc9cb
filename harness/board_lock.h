/*
 * board_lock.h - one pitest run per board. A run holds an exclusive flock(2)
 * on a file per board for as long as it may drive it; the kernel drops the
 * lock when the process ends however it ends, so a lock is never stale.
 *
 * Lock files live in $PITEST_LOCK_DIR, else /run/lock/pitest (root), else
 * $XDG_RUNTIME_DIR/pitest, else /tmp/pitest-locks-UID, named
 * LAB.BOARD.lock; they hold the owner's pid for the message of a run that
 * finds the board taken.
 */
#ifndef PITEST_BOARD_LOCK_H
#define PITEST_BOARD_LOCK_H

#include <stddef.h>

/* The directory lock files go in (created 0755/0700 as needed). */
int board_lock_dir(char *buf, size_t cap);

/*
 * Takes the lock of `board` of lab `lab` without waiting. Returns the open
 * file (keep it open to hold the lock; close it to release), -EBUSY when
 * another process holds it (err names the board, the pid and the file), or
 * another -errno.
 */
int board_lock_take(const char *lab, const char *board, char *err, size_t errcap);

#endif
