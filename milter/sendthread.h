/*
 * sendthread - the sender's thread in meldpunt-milter (sender.h)
 *
 * One thread runs mp_sender_pass() every SenderInterval seconds, and at
 * once when woken: SIGUSR2 (meldpunt-queue send, through the reload
 * thread). A request file beside the state DB ("StateDB.send", lines of
 * contact TAB type TAB language, empty fields match any) names groups to
 * send now whatever their times; it is read and removed at the pass.
 */
#ifndef MP_SENDTHREAD_H
#define MP_SENDTHREAD_H

int mp_sendthread_start(void);
void mp_sendthread_wake(void);
/* Stop and join: a submission under way ends within SubmitTimeout. */
void mp_sendthread_stop(void);

#endif
