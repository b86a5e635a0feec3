using System.Runtime.InteropServices;

namespace Spillway;

/// <summary>
/// 64 bytes of nothing. As the last field of a hot object it keeps the next object the allocator places after it
/// (typically another lane) off this object's cache line, so two lanes written by two threads do not false-share.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct CacheLinePadding
{
}
