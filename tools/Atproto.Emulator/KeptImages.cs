using System.Globalization;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.Syntax;

namespace Atproto.Emulator;

/// <summary>
/// Built repositories kept in the cache folder between runs (<see cref="AtprotoEmulatorOptions.KeepCache"/>): beside a
/// body file, its head (CAR header and signed commit) and a line of facts, written last, so a file that a killed run
/// left half written is never taken. The file name holds the DID and the revision; the caller names the folder after
/// the settings the content follows from.
/// </summary>
internal static class KeptImages
{
    public static RepoImage? TryLoad(string bodyPath, Tid rev)
    {
        var meta = Path.ChangeExtension(bodyPath, ".meta");
        var head = Path.ChangeExtension(bodyPath, ".head");
        if (!File.Exists(meta) || !File.Exists(head) || !File.Exists(bodyPath))
        {
            return null;
        }
        var fields = File.ReadAllText(meta).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 3
            || !Cid.TryParse(fields[0], out var commit)
            || !long.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var firstRecordOffset)
            || !long.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var bodyLength)
            || new FileInfo(bodyPath).Length != bodyLength)
        {
            return null;
        }
        return new RepoImage(File.ReadAllBytes(head), commit, rev, null, bodyPath, bodyLength, firstRecordOffset, deleteOnDispose: false);
    }

    public static RepoImage Keep(RepoImage built, string bodyPath)
    {
        File.WriteAllBytes(Path.ChangeExtension(bodyPath, ".head"), built.Head);
        var meta = Path.ChangeExtension(bodyPath, ".meta");
        File.WriteAllText(meta + ".tmp", string.Create(CultureInfo.InvariantCulture, $"{built.CommitCid}\n{built.FirstRecordOffset}\n{built.BodyLength}\n"));
        File.Move(meta + ".tmp", meta, overwrite: true);
        return new RepoImage(built.Head, built.CommitCid, built.Rev, null, bodyPath, built.BodyLength, built.FirstRecordOffset, deleteOnDispose: false);
    }
}
