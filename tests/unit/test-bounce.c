/*
 * Unit tests for lib/report/bounce: a table of messages (DSNs, MTA texts,
 * auto-replies, a person's mail) with the kind, signal, status and
 * recipient each must give; hostile inputs (truncated DSN, a huge
 * Diagnostic-Code, CR/LF in fields, nested message/rfc822, too many
 * recipients, missing Final-Recipient) and the VERP tag.
 *
 * Inputs are copied without their trailing NUL, so ASan sees any read
 * past the end.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "bounce.h"
#include "check_tap.h"

static int
classify_lim(const char *s, size_t len, const struct mp_bounce_limits *lim,
    struct mp_bounce *b, struct mp_error *err)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	rc = mp_bounce_classify(copy, len, lim, b, err);
	free(copy);
	return rc;
}

static int
classify(const char *s, struct mp_bounce *b)
{
	struct mp_error err;

	return classify_lim(s, strlen(s), NULL, b, &err);
}

/* No string of the result holds a control character. */
static void
assert_safe(const struct mp_bounce *b)
{
	const char *strs[4 + 4 * MP_BOUNCE_MAX_RCPTS];
	size_t n = 0, i, k;

	strs[n++] = b->status;
	strs[n++] = b->reply;
	strs[n++] = b->orig_message_id;
	strs[n++] = b->orig_meldpunt_id;
	for (i = 0; i < b->nrcpts; i++) {
		strs[n++] = b->rcpt[i].addr;
		strs[n++] = b->rcpt[i].status;
		strs[n++] = b->rcpt[i].diag;
		strs[n++] = b->rcpt[i].remote_mta;
	}
	for (i = 0; i < n; i++)
		for (k = 0; strs[i][k] != '\0'; k++)
			ck_assert_msg((unsigned char)strs[i][k] >= 0x20 &&
			    strs[i][k] != 0x7f, "control character in \"%s\"",
			    strs[i]);
}

#define DSN_HEAD \
	"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n" \
	"To: bounce+MP-abc234@notify.example\n" \
	"Subject: Undelivered Mail Returned to Sender\n" \
	"Auto-Submitted: auto-replied\n" \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/report; report-type=delivery-status; " \
	"boundary=\"B\"\n\n" \
	"--B\nContent-Type: text/plain\n\nThis is the mail system.\n\n" \
	"--B\nContent-Type: message/delivery-status\n\n" \
	"Reporting-MTA: dns; mx.example.net\n\n"

#define RETURNED \
	"--B\nContent-Type: message/rfc822\n\n" \
	"From: meldpunt <noreply@notify.example>\n" \
	"To: abuse@isp.example\n" \
	"Message-ID: <MP-abc234@notify.example>\n" \
	"X-Meldpunt-Id: MP-abc234\n" \
	"Subject: Abuse report\n\nbody\n" \
	"--B--\n"

struct ccase {
	const char *name;
	const char *msg;
	enum mp_bounce_kind kind;
	enum mp_bounce_signal signal;
	enum mp_bounce_shape shape;
	const char *status;	/* b->status, else b->reply */
	const char *rcpt;	/* rcpt[0].addr, "" for none */
	const char *msgid;
	const char *mpid;
};

static const struct ccase ccases[] = {
	{ "dsn hard with returned message",
	  DSN_HEAD "Final-Recipient: rfc822; abuse@isp.example\n"
	  "Action: failed\nStatus: 5.1.1\n"
	  "Remote-MTA: dns; mx.isp.example\n"
	  "Diagnostic-Code: smtp; 550 5.1.1 <abuse@isp.example>: "
	  "Recipient address rejected\n\n" RETURNED,
	  MP_BOUNCE_HARD, MP_BSIG_DSN, MP_BSHAPE_RFC3464, "5.1.1",
	  "abuse@isp.example", "MP-abc234@notify.example", "MP-abc234" },
	{ "dsn delayed is soft whatever the status",
	  DSN_HEAD "Final-Recipient: rfc822;abuse@isp.example\n"
	  "Action: delayed\nStatus: 4.4.1\n\n--B--\n",
	  MP_BOUNCE_SOFT, MP_BSIG_DSN, MP_BSHAPE_RFC3464, "4.4.1",
	  "abuse@isp.example", "", "" },
	{ "dsn failed with 4.x.x is soft",
	  DSN_HEAD "Final-Recipient: rfc822;a@isp.example\n"
	  "Action: failed\nStatus: 4.0.0 (expired)\n\n--B--\n",
	  MP_BOUNCE_SOFT, MP_BSIG_DSN, MP_BSHAPE_RFC3464, "4.0.0",
	  "a@isp.example", "", "" },
	{ "dsn delivered is not a bounce",
	  DSN_HEAD "Final-Recipient: rfc822;a@isp.example\n"
	  "Action: relayed\nStatus: 2.0.0\n\n--B--\n",
	  MP_BOUNCE_NONE, MP_BSIG_DSN, MP_BSHAPE_RFC3464, "",
	  "a@isp.example", "", "" },
	{ "dsn hard beats soft, first hard status kept",
	  DSN_HEAD "Final-Recipient: rfc822;s@isp.example\n"
	  "Action: delayed\nStatus: 4.2.2\n\n"
	  "Final-Recipient: rfc822;h@isp.example\n"
	  "Action: failed\nStatus: 5.2.1\n\n--B--\n",
	  MP_BOUNCE_HARD, MP_BSIG_DSN, MP_BSHAPE_RFC3464, "5.2.1",
	  "s@isp.example", "", "" },
	{ "dsn without Status: the reply in Diagnostic-Code",
	  DSN_HEAD "Final-Recipient: rfc822;a@isp.example\n"
	  "Action: failed\nDiagnostic-Code: smtp; 550 no such user\n\n--B--\n",
	  MP_BOUNCE_HARD, MP_BSIG_DSN, MP_BSHAPE_RFC3464, "",
	  "a@isp.example", "", "" },
	{ "dsn without Status, enhanced code in Diagnostic-Code",
	  DSN_HEAD "Final-Recipient: rfc822;a@isp.example\n"
	  "Action: failed\nDiagnostic-Code: smtp; 452 4.2.2 over quota\n\n"
	  "--B--\n",
	  MP_BOUNCE_SOFT, MP_BSIG_DSN, MP_BSHAPE_RFC3464, "4.2.2",
	  "a@isp.example", "", "" },
	{ "dsn missing Final-Recipient: Original-Recipient",
	  DSN_HEAD "Original-Recipient: rfc822;orig@isp.example\n"
	  "Action: failed\nStatus: 5.0.0\n\n--B--\n",
	  MP_BOUNCE_HARD, MP_BSIG_DSN, MP_BSHAPE_RFC3464, "5.0.0",
	  "orig@isp.example", "", "" },
	{ "dsn missing both recipients: still hard, no address",
	  DSN_HEAD "Action: failed\nStatus: 5.0.0\n\n--B--\n",
	  MP_BOUNCE_HARD, MP_BSIG_DSN, MP_BSHAPE_RFC3464, "5.0.0",
	  "", "", "" },
	{ "dsn status that is not a status: failed is hard",
	  DSN_HEAD "Final-Recipient: rfc822;a@isp.example\n"
	  "Action: failed\nStatus: 9.9.9\n\n--B--\n",
	  MP_BOUNCE_HARD, MP_BSIG_DSN, MP_BSHAPE_RFC3464, "",
	  "a@isp.example", "", "" },
	{ "truncated dsn: no closing boundary, field cut",
	  DSN_HEAD "Final-Recipient: rfc822;a@isp.example\n"
	  "Action: failed\nStatus: 5.1.",
	  MP_BOUNCE_HARD, MP_BSIG_DSN, MP_BSHAPE_RFC3464, "",
	  "a@isp.example", "", "" },
	{ "dsn with only a per-message group falls back to the text",
	  DSN_HEAD "--B--\n",
	  MP_BOUNCE_HARD, MP_BSIG_MTA_TEXT, MP_BSHAPE_GENERIC, "",
	  "", "", "" },
	{ "dsn with text/rfc822-headers",
	  DSN_HEAD "Final-Recipient: rfc822;a@isp.example\n"
	  "Action: failed\nStatus: 5.7.1\n\n"
	  "--B\nContent-Type: text/rfc822-headers\n\n"
	  "From: noreply@notify.example\n"
	  "Message-ID:\n <MP-xyz@notify.example>\n"
	  "X-Meldpunt-Id: MP-xyz\n\n--B--\n",
	  MP_BOUNCE_HARD, MP_BSIG_DSN, MP_BSHAPE_RFC3464, "5.7.1",
	  "a@isp.example", "MP-xyz@notify.example", "MP-xyz" },
	{ "exim text, Auto-Submitted does not make it an auto-reply",
	  "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
	  "Auto-Submitted: auto-replied\n"
	  "Subject: Mail delivery failed: returning message to sender\n\n"
	  "This message was created automatically by mail delivery software.\n\n"
	  "A message that you sent could not be delivered to one or more of its\n"
	  "recipients. This is a permanent error. The following address(es) failed:\n\n"
	  "  abuse@isp.example\n"
	  "    SMTP error from remote mail server after RCPT TO:<abuse@isp.example>:\n"
	  "    host mx.isp.example [192.0.2.1]: 550 5.1.1 unknown user\n\n"
	  "------ This is a copy of the message, including all the headers. ------\n\n"
	  "Message-ID: <MP-q@notify.example>\nX-Meldpunt-Id: MP-q\n"
	  "Subject: 451 4.4.1 in the returned message is not read\n\nx\n",
	  MP_BOUNCE_HARD, MP_BSIG_MTA_TEXT, MP_BSHAPE_EXIM, "5.1.1",
	  "abuse@isp.example", "MP-q@notify.example", "MP-q" },
	{ "exim delay warning is soft",
	  "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
	  "Subject: Warning: message 1abc-000 delayed 24 hours\n\n"
	  "This message was created automatically by mail delivery software.\n"
	  "A message that you sent has not yet been delivered to one or more of its\n"
	  "recipients after more than 24 hours on the queue on mx.example.net.\n\n"
	  "  abuse@isp.example\n    Connection timed out\n",
	  MP_BOUNCE_SOFT, MP_BSIG_MTA_TEXT, MP_BSHAPE_EXIM, "",
	  "abuse@isp.example", "", "" },
	{ "qmail with (#5.1.1)",
	  "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\n"
	  "Hi. This is the qmail-send program at mx.example.net.\n"
	  "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	  "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
	  "<abuse@isp.example>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
	  "--- Below this line is a copy of the message.\n\n"
	  "Message-ID: <MP-r@notify.example>\n\nx\n",
	  MP_BOUNCE_HARD, MP_BSIG_MTA_TEXT, MP_BSHAPE_QMAIL, "5.1.1",
	  "abuse@isp.example", "MP-r@notify.example", "" },
	{ "qmail, each recipient its own code: hard wins over soft",
	  "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\n"
	  "Hi. This is the qmail-send program at mx.example.net.\n\n"
	  "<full@isp.example>:\nRemote host said: 452 4.2.2 mailbox full\n\n"
	  "<gone@isp.example>:\nRemote host said: 550 5.1.1 no such user\n\n"
	  "--- Below this line is a copy of the message.\n\nx\n",
	  MP_BOUNCE_HARD, MP_BSIG_MTA_TEXT, MP_BSHAPE_QMAIL, "5.1.1",
	  "full@isp.example", "", "" },
	{ "a person forwarding a bounce, quoted, is not a bounce",
	  "From: Alice <alice@isp.example>\nSubject: Fwd: your mail\n\n"
	  "Look at this:\n\n"
	  "> This message was created automatically by mail delivery software.\n"
	  "> 550 5.1.1 unknown user\n",
	  MP_BOUNCE_NONE, MP_BSIG_NONE, MP_BSHAPE_NONE, "", "", "", "" },
	{ "a person's reply",
	  "From: Bob <bob@isp.example>\nSubject: Re: Abuse report [MP-abc]\n"
	  "In-Reply-To: <MP-abc@notify.example>\n\nFixed, thanks. 550 machines.\n",
	  MP_BOUNCE_NONE, MP_BSIG_NONE, MP_BSHAPE_NONE, "", "", "", "" },
	{ "Auto-Submitted: auto-replied",
	  "From: bob@isp.example\nAuto-Submitted: auto-replied (vacation)\n"
	  "Subject: Re: Abuse report\n\nAway.\n",
	  MP_BOUNCE_AUTO_REPLY, MP_BSIG_AUTO_SUBMITTED, MP_BSHAPE_NONE, "",
	  "", "", "" },
	{ "Auto-Submitted: no is a person",
	  "From: bob@isp.example\nAuto-Submitted: no\n"
	  "Subject: Re: Abuse report\n\nThanks.\n",
	  MP_BOUNCE_NONE, MP_BSIG_NONE, MP_BSHAPE_NONE, "", "", "", "" },
	{ "X-Autoreply",
	  "From: bob@isp.example\nX-Autoreply: yes\nSubject: Re: x\n\nAway.\n",
	  MP_BOUNCE_AUTO_REPLY, MP_BSIG_AUTO_HEADER, MP_BSHAPE_NONE, "",
	  "", "", "" },
	{ "Precedence: auto_reply",
	  "From: bob@isp.example\nPrecedence: auto_reply\nSubject: Re: x\n\nA\n",
	  MP_BOUNCE_AUTO_REPLY, MP_BSIG_AUTO_HEADER, MP_BSHAPE_NONE, "",
	  "", "", "" },
	{ "Afwezig",
	  "From: piet@isp.example\nSubject: Afwezig: Abuse report\n\nTot maandag.\n",
	  MP_BOUNCE_AUTO_REPLY, MP_BSIG_VACATION, MP_BSHAPE_NONE, "", "", "", "" },
	{ "Automatisch antwoord, encoded",
	  "From: piet@isp.example\n"
	  "Subject: =?UTF-8?Q?Automatisch_antwoord:_Abuse_report?=\n\nWeg.\n",
	  MP_BOUNCE_AUTO_REPLY, MP_BSIG_VACATION, MP_BSHAPE_NONE, "", "", "", "" },
	{ "Out of Office",
	  "From: bob@isp.example\nPrecedence: bulk\n"
	  "Subject: Out of Office: Abuse report\n\nAway.\n",
	  MP_BOUNCE_AUTO_REPLY, MP_BSIG_VACATION, MP_BSHAPE_NONE, "", "", "", "" },
	{ "a person mentioning a vacation is a person",
	  "From: bob@isp.example\n"
	  "Subject: Re: Abuse report - sorry, I was on vacation\n\nFixed now.\n",
	  MP_BOUNCE_NONE, MP_BSIG_NONE, MP_BSHAPE_NONE, "", "", "", "" },
	{ "vacation word inside the Subject with Precedence: junk",
	  "From: bob@isp.example\nPrecedence: junk\n"
	  "Subject: Re: Abuse report [Out of Office]\n\nAway.\n",
	  MP_BOUNCE_AUTO_REPLY, MP_BSIG_VACATION, MP_BSHAPE_NONE, "", "", "", "" },
	{ "challenge-response",
	  "From: verify@isp.example\n"
	  "Subject: Please confirm your message to bob@isp.example\n\nClick.\n",
	  MP_BOUNCE_AUTO_REPLY, MP_BSIG_CHALLENGE, MP_BSHAPE_NONE, "",
	  "", "", "" },
	{ "ARF report with Auto-Submitted stays a report",
	  "From: fbl@isp.example\nAuto-Submitted: auto-generated\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: multipart/report; report-type=feedback-report; boundary=b\n\n"
	  "--b\nContent-Type: text/plain\n\nreport\n"
	  "--b\nContent-Type: message/feedback-report\n\n"
	  "Feedback-Type: abuse\nSource-IP: 192.0.2.1\n--b--\n",
	  MP_BOUNCE_NONE, MP_BSIG_NONE, MP_BSHAPE_NONE, "", "", "", "" },
	{ "a DSN inside an attached message is not ours",
	  "From: alice@isp.example\nSubject: look\nMIME-Version: 1.0\n"
	  "Content-Type: multipart/mixed; boundary=o\n\n"
	  "--o\nContent-Type: text/plain\n\nsee attached\n"
	  "--o\nContent-Type: message/rfc822\n\n"
	  "From: MAILER-DAEMON@x.example\nMIME-Version: 1.0\n"
	  "Content-Type: multipart/report; report-type=delivery-status; boundary=i\n\n"
	  "--i\nContent-Type: message/delivery-status\n\n"
	  "Final-Recipient: rfc822;a@b.example\nAction: failed\nStatus: 5.1.1\n"
	  "--i--\n--o--\n",
	  MP_BOUNCE_NONE, MP_BSIG_NONE, MP_BSHAPE_NONE, "", "", "", "" },
};

START_TEST(classify_table)
{
	const struct ccase *c = &ccases[_i];
	struct mp_bounce b;
	const char *st;

	ck_assert_msg(classify(c->msg, &b) == MP_OK, "%s: refused", c->name);
	ck_assert_msg(b.kind == c->kind, "%s: kind %s, not %s", c->name,
	    mp_bounce_kind_name(b.kind), mp_bounce_kind_name(c->kind));
	ck_assert_msg(b.signal == c->signal, "%s: signal %s, not %s", c->name,
	    mp_bounce_signal_name(b.signal), mp_bounce_signal_name(c->signal));
	ck_assert_msg(b.shape == c->shape, "%s: shape %s, not %s", c->name,
	    mp_bounce_shape_name(b.shape), mp_bounce_shape_name(c->shape));
	st = b.status[0] != '\0' ? b.status : b.reply;
	ck_assert_msg(strcmp(st, c->status) == 0, "%s: status \"%s\"",
	    c->name, st);
	ck_assert_msg(strcmp(b.nrcpts > 0 ? b.rcpt[0].addr : "", c->rcpt) == 0,
	    "%s: recipient \"%s\"", c->name,
	    b.nrcpts > 0 ? b.rcpt[0].addr : "");
	ck_assert_msg(strcmp(b.orig_message_id, c->msgid) == 0,
	    "%s: Message-ID \"%s\"", c->name, b.orig_message_id);
	ck_assert_msg(strcmp(b.orig_meldpunt_id, c->mpid) == 0,
	    "%s: X-Meldpunt-Id \"%s\"", c->name, b.orig_meldpunt_id);
	assert_safe(&b);
}
END_TEST

START_TEST(dsn_fields_kept)
{
	struct mp_bounce b;

	ck_assert_int_eq(classify(ccases[0].msg, &b), MP_OK);
	ck_assert_uint_eq(b.nrcpts, 1);
	ck_assert_str_eq(b.rcpt[0].action, "failed");
	ck_assert_str_eq(b.rcpt[0].status, "5.1.1");
	ck_assert_str_eq(b.rcpt[0].remote_mta, "dns; mx.isp.example");
	ck_assert_str_eq(b.rcpt[0].diag, "smtp; 550 5.1.1 <abuse@isp.example>: "
	    "Recipient address rejected");
}
END_TEST

START_TEST(text_rcpt_codes)
{
	struct mp_bounce b;
	size_t i;

	for (i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++)
		if (strncmp(ccases[i].name, "qmail, each", 11) == 0)
			break;
	ck_assert_int_eq(classify(ccases[i].msg, &b), MP_OK);
	ck_assert_uint_eq(b.nrcpts, 2);
	ck_assert_int_eq(b.rcpt[0].kind, MP_BOUNCE_SOFT);
	ck_assert_str_eq(b.rcpt[0].status, "4.2.2");
	ck_assert_str_eq(b.rcpt[0].action, "delayed");
	ck_assert_str_eq(b.rcpt[0].diag, "Remote host said: 452 4.2.2 mailbox full");
	ck_assert_int_eq(b.rcpt[1].kind, MP_BOUNCE_HARD);
	ck_assert_str_eq(b.rcpt[1].status, "5.1.1");
	ck_assert_str_eq(b.rcpt[1].action, "failed");
}
END_TEST

START_TEST(dsn_continuation_of_no_field)
{
	struct mp_bounce b;

	ck_assert_int_eq(classify(DSN_HEAD
	    "Final-Recipient: rfc822;a@isp.example\n"
	    "Diagnostic-Code: smtp; 550 x\n"
	    "garbage without a colon\n glued?\n"
	    "Status: 5.1.2\nAction: failed\n\n--B--\n", &b), MP_OK);
	ck_assert_int_eq(b.kind, MP_BOUNCE_HARD);
	ck_assert_str_eq(b.rcpt[0].diag, "smtp; 550 x");
	ck_assert_str_eq(b.rcpt[0].status, "5.1.2");
}
END_TEST

START_TEST(huge_diagnostic_code)
{
	struct mp_bounce_limits lim;
	struct mp_bounce b;
	struct mp_error err;
	GString *m = g_string_new(DSN_HEAD "Final-Recipient: rfc822;a@b.example\n"
	    "Action: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 550 ");
	size_t i;

	for (i = 0; i < 10000; i++)
		g_string_append(m, "\xc3\xa9very long\n  ");
	g_string_append(m, "end\n\n--B--\n");
	ck_assert_int_eq(classify_lim(m->str, m->len, NULL, &b, &err), MP_OK);
	ck_assert_int_eq(b.kind, MP_BOUNCE_HARD);
	ck_assert_uint_le(strlen(b.rcpt[0].diag), MP_BOUNCE_DIAG_MAX - 1);
	ck_assert_ptr_null(strchr(b.rcpt[0].diag, '\n'));
	assert_safe(&b);
	/* A smaller cut, on a character boundary (é is two bytes). */
	mp_bounce_limits_default(&lim);
	lim.max_diag = 11;	/* inside the é: backs up, trailing blank off */
	ck_assert_int_eq(classify_lim(m->str, m->len, &lim, &b, &err), MP_OK);
	ck_assert_str_eq(b.rcpt[0].diag, "smtp; 550");
	lim.max_diag = 12;
	ck_assert_int_eq(classify_lim(m->str, m->len, &lim, &b, &err), MP_OK);
	ck_assert_str_eq(b.rcpt[0].diag, "smtp; 550 \xc3\xa9");
	lim.max_diag = 13;
	ck_assert_int_eq(classify_lim(m->str, m->len, &lim, &b, &err), MP_OK);
	ck_assert_str_eq(b.rcpt[0].diag, "smtp; 550 \xc3\xa9v");
	lim.max_diag = 100000;	/* clamped to the array */
	ck_assert_int_eq(classify_lim(m->str, m->len, &lim, &b, &err), MP_OK);
	ck_assert_uint_le(strlen(b.rcpt[0].diag), MP_BOUNCE_DIAG_MAX - 1);
	g_string_free(m, TRUE);
}
END_TEST

START_TEST(crlf_injection)
{
	static const char m[] =
	    "From: MAILER-DAEMON@mx.example.net\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=B\r\n\r\n"
	    "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Final-Recipient: rfc822;a@b.example\r\nBcc: victim@c.example\r\n"
	    "Action: failed\r\n"
	    "Status: 5.1.1\rX-Injected: yes\r\n"
	    "Diagnostic-Code: smtp; 550 bad\r\n X-Injected: yes\r\n\tmore\x01\x1b[31m\r\n"
	    "Remote-MTA: dns; mx\x7f.b.example\r\n\r\n"
	    "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
	    "Message-ID: <id\r@x>\r\nX-Meldpunt-Id: MP-1\r\nBcc: x\r\n\r\n--B--\r\n";
	struct mp_bounce b;

	ck_assert_int_eq(classify(m, &b), MP_OK);
	ck_assert_int_eq(b.kind, MP_BOUNCE_HARD);
	ck_assert_str_eq(b.rcpt[0].addr, "a@b.example");
	/* The code as a word of its own; what follows the CR is dropped. */
	ck_assert_str_eq(b.rcpt[0].status, "5.1.1");
	ck_assert_str_eq(b.rcpt[0].diag,
	    "smtp; 550 bad X-Injected: yes more [31m");
	ck_assert_str_eq(b.rcpt[0].remote_mta, "dns; mx .b.example");
	ck_assert_str_eq(b.orig_meldpunt_id, "MP-1");
	assert_safe(&b);
}
END_TEST

START_TEST(nested_rfc822_depth)
{
	struct mp_bounce_limits lim;
	struct mp_bounce b;
	struct mp_error err;
	GString *m = g_string_new(DSN_HEAD "Final-Recipient: rfc822;a@b.example\n"
	    "Action: failed\nStatus: 5.0.0\n\n--B\nContent-Type: message/rfc822\n\n");
	int i;

	for (i = 0; i < 40; i++)
		g_string_append(m, "Subject: n\nContent-Type: message/rfc822\n\n");
	g_string_append(m, "Subject: last\n\nx\n--B--\n");
	ck_assert_int_eq(classify_lim(m->str, m->len, NULL, &b, &err),
	    MP_ELIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "(limit)"));
	ck_assert_int_eq(b.kind, MP_BOUNCE_NONE);
	ck_assert_uint_eq(b.nrcpts, 0);
	mp_bounce_limits_default(&lim);
	lim.msg.max_depth = 64;
	lim.msg.max_parts = 128;
	ck_assert_int_eq(classify_lim(m->str, m->len, &lim, &b, &err), MP_OK);
	ck_assert_int_eq(b.kind, MP_BOUNCE_HARD);
	g_string_free(m, TRUE);
}
END_TEST

START_TEST(limits)
{
	struct mp_bounce_limits lim;
	struct mp_bounce b;
	struct mp_error err;
	GString *m = g_string_new(DSN_HEAD);
	int i;

	for (i = 0; i < 40; i++)
		g_string_append_printf(m, "Final-Recipient: rfc822;r%d@b.example\n"
		    "Action: failed\nStatus: 5.1.1\n\n", i);
	g_string_append(m, "--B--\n");
	ck_assert_int_eq(classify_lim(m->str, m->len, NULL, &b, &err), MP_OK);
	ck_assert_uint_eq(b.nrcpts, MP_BOUNCE_MAX_RCPTS);
	ck_assert_uint_eq(b.more_rcpts, 40 - MP_BOUNCE_MAX_RCPTS);
	ck_assert_str_eq(b.rcpt[15].addr, "r15@b.example");
	mp_bounce_limits_default(&lim);
	lim.max_rcpts = 2;
	ck_assert_int_eq(classify_lim(m->str, m->len, &lim, &b, &err), MP_OK);
	ck_assert_uint_eq(b.nrcpts, 2);
	ck_assert_uint_eq(b.more_rcpts, 38);
	/* Groups: the per-message one and three recipients are read. */
	mp_bounce_limits_default(&lim);
	lim.max_groups = 4;
	ck_assert_int_eq(classify_lim(m->str, m->len, &lim, &b, &err), MP_OK);
	ck_assert_uint_eq(b.nrcpts, 3);
	ck_assert_uint_eq(b.more_rcpts, 0);
	/* Bytes of the message. */
	mp_bounce_limits_default(&lim);
	lim.msg.max_size = 100;
	ck_assert_int_eq(classify_lim(m->str, m->len, &lim, &b, &err),
	    MP_ELIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 100 (limit)"));
	g_string_free(m, TRUE);
}
END_TEST

START_TEST(max_text)
{
	struct mp_bounce_limits lim;
	struct mp_bounce b;
	struct mp_error err;
	GString *m = g_string_new("From: MAILER-DAEMON@x.example\n"
	    "Subject: hello\n\n");
	int i;

	for (i = 0; i < 2000; i++)
		g_string_append(m, "filler line of text\n");
	g_string_append(m, "This is the qmail-send program at x.\n"
	    "<a@b.example>:\n550 no (#5.1.1)\n");
	ck_assert_int_eq(classify_lim(m->str, m->len, NULL, &b, &err), MP_OK);
	/* Past the lines searched for a sentence. */
	ck_assert_int_eq(b.kind, MP_BOUNCE_NONE);
	mp_bounce_limits_default(&lim);
	lim.max_text = 100;
	g_string_truncate(m, 0);
	g_string_append(m, "From: MAILER-DAEMON@x.example\nSubject: hello\n\n");
	for (i = 0; i < 10; i++)
		g_string_append(m, "filler line of text\n");
	g_string_append(m, "This is the qmail-send program at x.\n");
	ck_assert_int_eq(classify_lim(m->str, m->len, &lim, &b, &err), MP_OK);
	ck_assert_int_eq(b.kind, MP_BOUNCE_NONE);
	ck_assert_int_eq(classify_lim(m->str, m->len, NULL, &b, &err), MP_OK);
	ck_assert_int_eq(b.kind, MP_BOUNCE_HARD);
	g_string_free(m, TRUE);
}
END_TEST

struct vcase {
	const char *rcpt;
	const char *local;
	char delim;
	size_t taglen;
	int rc;
	const char *tag;
};

static const struct vcase vcases[] = {
	{ "bounce+MP-abc234@notify.example", "bounce", '+', 32, MP_FOUND, "MP-abc234" },
	{ "<bounce+MP-abc234@notify.example>", "bounce", '+', 32, MP_FOUND, "MP-abc234" },
	{ "BOUNCE+MP-abc234@Notify.Example", "bounce", '+', 32, MP_FOUND, "MP-abc234" },
	{ "bounce-MP-abc234@notify.example", "bounce", '-', 32, MP_FOUND, "MP-abc234" },
	{ "meldpunt.bounce=x1@notify.example", "meldpunt.bounce", '=', 32, MP_FOUND, "x1" },
	{ "bounce@notify.example", "bounce", '+', 32, MP_NOTFOUND, "" },
	{ "bounces+abc@notify.example", "bounce", '+', 32, MP_NOTFOUND, "" },
	{ "other+abc@notify.example", "bounce", '+', 32, MP_NOTFOUND, "" },
	{ "bounce+abc", "bounce", '+', 32, MP_NOTFOUND, "" },
	{ "bounce+abc@", "bounce", '+', 32, MP_NOTFOUND, "" },
	{ "bounce+abc@>", "bounce", '+', 32, MP_NOTFOUND, "" },
	{ "", "bounce", '+', 32, MP_NOTFOUND, "" },
	{ "bounce+abc@x.example", "", '+', 32, MP_NOTFOUND, "" },
	{ "bounce+abc@x.example", "bounce", '\0', 32, MP_NOTFOUND, "" },
	{ "bounce+abc@x.example", "bounce", '@', 32, MP_NOTFOUND, "" },
	{ "bounce+@notify.example", "bounce", '+', 32, MP_EINPUT, "" },
	{ "bounce+a b@notify.example", "bounce", '+', 32, MP_EINPUT, "" },
	{ "bounce+abc\r\nBcc: x@notify.example", "bounce", '+', 32, MP_EINPUT, "" },
	{ "bounce+MP-abc+more@notify.example", "bounce", '+', 32, MP_EINPUT, "" },
	{ "bounce+a@b@notify.example", "bounce", '+', 32, MP_EINPUT, "" },
	{ "bounce+\"x\"@notify.example", "bounce", '+', 32, MP_EINPUT, "" },
	{ "bounce+abcdef@notify.example", "bounce", '+', 6, MP_EINPUT, "" },
	{ "bounce+abcde@notify.example", "bounce", '+', 6, MP_FOUND, "abcde" },
};

START_TEST(verp_table)
{
	const struct vcase *c = &vcases[_i];
	char tag[64];
	int rc;

	memset(tag, 'X', sizeof(tag));
	rc = mp_bounce_verp_tag(c->rcpt, c->local, c->delim, tag, c->taglen);
	ck_assert_msg(rc == c->rc, "\"%s\": rc %d, not %d", c->rcpt, rc, c->rc);
	if (rc == MP_FOUND)
		ck_assert_str_eq(tag, c->tag);
	else
		ck_assert_str_eq(tag, "");
}
END_TEST

START_TEST(empty_and_garbage)
{
	static const char bin[] = "\0\0\xff\xfe\n\n\x01";
	struct mp_bounce b;
	struct mp_error err;
	int rc;

	/* Nothing GMime can read: refused, result cleared. */
	memset(&b, 0xff, sizeof(b));
	ck_assert_int_eq(classify_lim("", 0, NULL, &b, &err), MP_EINPUT);
	ck_assert_int_eq(b.kind, MP_BOUNCE_NONE);
	ck_assert_uint_eq(b.nrcpts, 0);
	rc = classify_lim(bin, sizeof(bin) - 1, NULL, &b, &err);
	ck_assert(rc == MP_OK || rc == MP_EINPUT);
	ck_assert_int_eq(b.kind, MP_BOUNCE_NONE);
}
END_TEST

/* Lines built to make a naive scanner quadratic finish at once. */
START_TEST(pathological_lines)
{
	struct mp_bounce b;
	struct mp_error err;
	GString *m = g_string_new("From: MAILER-DAEMON@x.example\n"
	    "Subject: Undeliverable: x\n\nDelivery has failed to these "
	    "recipients or groups:\n");
	size_t i;

	for (i = 0; i < 100000; i++)
		g_string_append(m, "a@");
	g_string_append(m, "\n");
	for (i = 0; i < 50000; i++)
		g_string_append(m, "5.5.");
	g_string_append(m, "\n");
	for (i = 0; i < 20000; i++)
		g_string_append(m, "<<<<<<<<>");
	g_string_append(m, "\n");
	ck_assert_int_eq(classify_lim(m->str, m->len, NULL, &b, &err), MP_OK);
	ck_assert_int_eq(b.kind, MP_BOUNCE_HARD);
	assert_safe(&b);
	g_string_free(m, TRUE);
}
END_TEST

START_TEST(verp_null)
{
	char tag[8];

	ck_assert_int_eq(mp_bounce_verp_tag(NULL, "bounce", '+', tag,
	    sizeof(tag)), MP_NOTFOUND);
	ck_assert_int_eq(mp_bounce_verp_tag("bounce+a@b.c", NULL, '+', tag,
	    sizeof(tag)), MP_NOTFOUND);
}
END_TEST

/* The return path and its tag: one the inverse of the other. */
START_TEST(return_path)
{
	char out[64], tag[32];

	ck_assert_int_eq(mp_bounce_return_path("bounces@meldpunt.example.nl",
	    '+', "MP-abc234", out, sizeof(out)), MP_OK);
	ck_assert_str_eq(out, "bounces+MP-abc234@meldpunt.example.nl");
	ck_assert_int_eq(mp_bounce_verp_tag(out, "bounces", '+', tag,
	    sizeof(tag)), MP_FOUND);
	ck_assert_str_eq(tag, "MP-abc234");
	ck_assert_int_eq(mp_bounce_return_path("b@x.nl", '=', "MP-1", out,
	    sizeof(out)), MP_OK);
	ck_assert_str_eq(out, "b=MP-1@x.nl");
	ck_assert_int_eq(mp_bounce_return_path("b@x.nl", '+', "MP-1", out, 8),
	    MP_ELIMIT);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(mp_bounce_return_path("b@x.nl", '+', "a@b", out,
	    sizeof(out)), MP_EINPUT);
	ck_assert_int_eq(mp_bounce_return_path("b@x.nl", '+', "", out,
	    sizeof(out)), MP_EINPUT);
	ck_assert_int_eq(mp_bounce_return_path("@x.nl", '+', "t", out,
	    sizeof(out)), MP_EINPUT);
	ck_assert_int_eq(mp_bounce_return_path("bx.nl", '+', "t", out,
	    sizeof(out)), MP_EINPUT);
	ck_assert_int_eq(mp_bounce_return_path("b@x.nl", '@', "t", out,
	    sizeof(out)), MP_EINPUT);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(mp_bounce_kind_name(MP_BOUNCE_HARD), "hard");
	ck_assert_str_eq(mp_bounce_kind_name(MP_BOUNCE_NONE), "not-a-bounce");
	ck_assert_str_eq(mp_bounce_kind_name((enum mp_bounce_kind)99),
	    "not-a-bounce");
	ck_assert_str_eq(mp_bounce_signal_name(MP_BSIG_VACATION), "vacation");
	ck_assert_str_eq(mp_bounce_signal_name((enum mp_bounce_signal)99),
	    "none");
	ck_assert_str_eq(mp_bounce_shape_name(MP_BSHAPE_OFFICE365), "office365");
	ck_assert_str_eq(mp_bounce_shape_name((enum mp_bounce_shape)99), "none");
}
END_TEST

/* Pure: the same answer from many threads at once. */
static void *
thread_run(void *arg)
{
	struct mp_bounce b;
	int i, *bad = arg;

	for (i = 0; i < 50; i++)
		if (classify(ccases[0].msg, &b) != MP_OK ||
		    b.kind != MP_BOUNCE_HARD ||
		    strcmp(b.orig_meldpunt_id, "MP-abc234") != 0)
			*bad = 1;
	return NULL;
}

START_TEST(threads)
{
	pthread_t t[4];
	int bad[4] = { 0 }, i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, thread_run, &bad[i]),
		    0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(bad[i], 0);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("bounce");
	TCase *tc = tcase_create("bounce");

	g_mime_init();
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, classify_table, 0,
	    (int)(sizeof(ccases) / sizeof(ccases[0])));
	tcase_add_test(tc, dsn_fields_kept);
	tcase_add_test(tc, text_rcpt_codes);
	tcase_add_test(tc, dsn_continuation_of_no_field);
	tcase_add_test(tc, huge_diagnostic_code);
	tcase_add_test(tc, crlf_injection);
	tcase_add_test(tc, nested_rfc822_depth);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, max_text);
	tcase_add_loop_test(tc, verp_table, 0,
	    (int)(sizeof(vcases) / sizeof(vcases[0])));
	tcase_add_test(tc, empty_and_garbage);
	tcase_add_test(tc, pathological_lines);
	tcase_add_test(tc, verp_null);
	tcase_add_test(tc, return_path);
	tcase_add_test(tc, names);
	tcase_add_test(tc, threads);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
