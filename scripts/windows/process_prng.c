/* A stand-in for Windows 10's bcryptprimitives.dll, for Wine only (scripts/windows-check.sh):
 * Rust's standard library takes its random numbers from ProcessPrng there, and Debian's
 * Wine 8 does not provide that DLL. Never shipped in the zip: Windows has the real one. */
#include <windows.h>

/* SystemFunction036 is RtlGenRandom, which Wine implements. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
