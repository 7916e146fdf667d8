namespace Jetstream.Emulator;

/// <summary>
/// The generator's random field values: DIDs, CIDs and TIDs of the right shapes, post texts (unicode, emoji, escapes),
/// languages and account statuses, all drawn from the generator's one seeded <see cref="Random"/>, so the same seed
/// still gives the same events byte for byte.
/// </summary>
internal sealed class RandomValues(Random random)
{
    private const string CidAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private const string TidAlphabet = "234567abcdefghijklmnopqrstuvwxyz";

    private static readonly string[] Texts =
    [
        "Good morning everyone ☀️",
        "日本語のテキスト、こんにちは世界",
        "Ça va ? Très bien, merci 🇫🇷",
        "¿Dónde está la biblioteca? 📚",
        "Rock & roll <3 > everything",
        "مرحبا بالعالم",
        "Zürich, Łódź, Ærøskøbing",
        "two\nlines\tand a tab",
        "family 👩‍👩‍👧‍👦 thumbs 👍🏽",
        "\"quoted\" and back\\slash",
        "한국어 게시물입니다",
        "just setting up my bsky",
    ];

    // The texts with a byte outside ASCII: a queue event carrying one travels base64 (docs/queue-contract.md).
    private static readonly string[] NonAsciiTexts = [.. Texts.Where(t => t.Any(c => c > '\u007f'))];

    private static readonly string[] Langs = ["en", "ja", "pt", "de", "es", "ko", "fr"];

    private static readonly string[] Statuses = ["takendown", "suspended", "deleted", "deactivated", "desynchronized", "throttled"];

    public string Did() => "did:plc:" + RandomString(CidAlphabet, 24);

    public string Lang() => Langs[random.Next(Langs.Length)];

    public string Status() => Statuses[random.Next(Statuses.Length)];

    /// <summary>A post's text: one of the samples and a number, so texts repeat rarely.</summary>
    public string Text(bool nonAsciiOnly)
    {
        var texts = nonAsciiOnly ? NonAsciiTexts : Texts;
        return $"{texts[random.Next(texts.Length)]} #{random.Next(1_000)}";
    }

    public string Cid(string prefix) => prefix + RandomString(CidAlphabet, 52);

    /// <summary>atproto TID: 53-bit µs timestamp and 10-bit clock id, base32-sortable, 13 characters.</summary>
    public string Tid(long timestampUs)
    {
        var value = ((ulong)Math.Max(0, timestampUs) << 10) | (uint)random.Next(1024);
        return string.Create(13, value, static (chars, v) =>
        {
            for (var i = 0; i < 13; i++)
            {
                chars[i] = TidAlphabet[(int)((v >> (60 - (5 * i))) & 31)];
            }
        });
    }

    private string RandomString(string alphabet, int length)
    {
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }
}
