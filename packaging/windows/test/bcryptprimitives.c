/* Stand-in for Windows 10's bcryptprimitives.dll, for tests under Wine 8 only (Wine 8 lacks it;
 * Rust >= 1.78's std imports ProcessPrng from it). Never shipped. */
#include <windows.h>
#include <ntsecapi.h>
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
        if (!RtlGenRandom(data, chunk)) return FALSE;
        data += chunk; len -= chunk;
    }
    return TRUE;
}
