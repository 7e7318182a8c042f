#include "config.h"
#include "check_tap.h"
int main(void) { return 0; }
