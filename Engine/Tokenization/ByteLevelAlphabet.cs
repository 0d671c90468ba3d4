namespace DistInfer.Engine.Tokenization;

/// <summary>
/// GPT-2's reversible byte-to-character mapping: printable Latin-1 bytes map to themselves, the other 68 bytes
/// map to U+0100 onwards, so every byte sequence becomes a string of visible characters.
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>Highest character the mapping produces is U+0143; the reverse table covers 0..MaxChar.</summary>
    public const int MaxChar = 0x143;

    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>Character to byte, or -1 where the character is not in the alphabet.</summary>
    public static readonly short[] CharToByte = BuildCharToByte(ByteToChar);

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }

        return map;
    }

    private static short[] BuildCharToByte(char[] byteToChar)
    {
        var map = new short[MaxChar + 1];
        Array.Fill(map, (short)-1);
        for (var b = 0; b < 256; b++)
        {
            map[byteToChar[b]] = (short)b;
        }

        return map;
    }

    /// <summary>
    /// Bytes of a vocabulary token, as the tokenizers ByteLevel decoder produces them: the mapped bytes when every
    /// character is in the alphabet, else the token's own UTF-8 (added tokens such as "&lt;|im_start|&gt;" or "\n").
    /// </summary>
    public static byte[] TokenToBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            var c = token[i];
            var b = c <= MaxChar ? CharToByte[c] : (short)-1;
            if (b < 0)
            {
                return System.Text.Encoding.UTF8.GetBytes(token);
            }

            bytes[i] = (byte)b;
        }

        return bytes;
    }
}
