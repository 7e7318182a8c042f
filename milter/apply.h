/* apply - carry out a plan with libmilter (see apply.c) */
#ifndef MP_APPLY_H
#define MP_APPLY_H

#include <libmilter/mfapi.h>

#include "plan.h"

/* `leadspc`: SMFIP_HDR_LEADSPC was negotiated. */
sfsistat mp_apply(SMFICTX *ctx, const struct mp_plan *p, int leadspc,
    const char *qid);

#endif
