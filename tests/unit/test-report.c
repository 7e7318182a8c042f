#include "config.h"
#include "check_tap.h"
#include "report.h"
START_TEST(names) { ck_assert_str_eq(mp_report_type_name(MP_TYPE_SPAM), "spam"); } END_TEST
int main(void) { Suite *s = suite_create("report"); TCase *tc = tcase_create("model"); tcase_add_test(tc, names); suite_add_tcase(s, tc); return mp_check_run(s); }
