/* Compiled as C99 with -Wall -Wextra -pedantic -Werror (see CMakeLists.txt). */
#include <boka/boka.h>

int boka_header_check_uses_the_types(void);
int boka_header_check_uses_the_types(void) {
  boka_conflict conflict = {0, 0, 0, NULL};
  return BOKA_OK + (int)conflict.blocking_count;
}
