/* The public header compiles as strict C and its entry points link and answer. */
#include <stdio.h>
#include <string.h>

#include "sharpnet/c_api.h"

int main(void) {
  int32_t major = -1, minor = -1;
  const char* version = NULL;
  uint8_t available = 2;
  if (sn_abi_version(&major, &minor) != SN_OK) return 1;
  if (major != SN_ABI_VERSION_MAJOR || minor != SN_ABI_VERSION_MINOR) {
    fprintf(stderr, "ABI %d.%d, header %d.%d\n", (int)major, (int)minor, SN_ABI_VERSION_MAJOR, SN_ABI_VERSION_MINOR);
    return 2;
  }
  if (sn_library_version(&version) != SN_OK || version == NULL || strlen(version) == 0) return 3;
  if (sn_abi_version(NULL, &minor) != SN_ERR_INVALID_ARGUMENT) return 4;
  if (strstr(sn_last_error(), "major") == NULL) return 5;
  if (sn_runtime_has_feature("DNNL", &available) != SN_OK || available != 1) return 6;
  printf("sharpnet %s, ABI %d.%d\n", version, (int)major, (int)minor);
  return 0;
}
