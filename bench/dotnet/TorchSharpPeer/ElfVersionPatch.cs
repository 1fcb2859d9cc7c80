using System.Text;

/// <summary>
/// PERF.md: TorchSharp-cpu 0.107.0's libLibTorchSharp.so requires GLIBCXX_3.4.32, which Debian 12's libstdc++
/// lacks; the one symbol bound to it (std::ios_base_library_init) is never called. Marking that version
/// requirement weak (VER_FLG_WEAK in .gnu.version_r) lets the library load. Applied to the copy in this app's
/// output folder only, never to the NuGet cache; idempotent.
/// </summary>
internal static class ElfVersionPatch
{
    private const ushort VerFlgWeak = 0x2;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    public static void MarkWeak(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[4] != 2)
            throw new InvalidDataException($"{path} is not a 64-bit ELF file");
        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        ushort shentsize = BitConverter.ToUInt16(elf, 0x3a);
        ushort shnum = BitConverter.ToUInt16(elf, 0x3c);
        bool changed = false;
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)shoff + i * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
            int offset = checked((int)BitConverter.ToUInt64(elf, sh + 0x18));
            uint link = BitConverter.ToUInt32(elf, sh + 0x28);   // the string table of the names
            int strtab = checked((int)BitConverter.ToUInt64(elf, checked((int)shoff + (int)link * shentsize) + 0x18));
            int need = offset;
            while (true)
            {
                ushort count = BitConverter.ToUInt16(elf, need + 2);
                int aux = need + (int)BitConverter.ToUInt32(elf, need + 8);
                for (int k = 0; k < count; k++)
                {
                    int name = strtab + (int)BitConverter.ToUInt32(elf, aux + 8);
                    int end = Array.IndexOf(elf, (byte)0, name);
                    if (Encoding.ASCII.GetString(elf, name, end - name) == version)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, aux + 4);
                            changed = true;
                        }
                    }
                    uint next = BitConverter.ToUInt32(elf, aux + 12);
                    if (next == 0) break;
                    aux += (int)next;
                }
                uint nextNeed = BitConverter.ToUInt32(elf, need + 12);
                if (nextNeed == 0) break;
                need += (int)nextNeed;
            }
        }
        if (changed) File.WriteAllBytes(path, elf);
    }
}
