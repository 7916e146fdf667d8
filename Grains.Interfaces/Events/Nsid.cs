namespace Jetstream.Grains.Interfaces.Events;

/// <summary>
/// NSID syntax as the atproto spec (and indigo's <c>syntax.ParseNSID</c>) defines it: at least three segments,
/// a reversed domain authority of letters, digits and hyphens, and a name segment of letters and digits
/// that does not start with a digit. At most 317 characters.
/// </summary>
public static class Nsid
{
    public static bool IsValid(string value)
    {
        if (value.Length is 0 or > 317)
        {
            return false;
        }

        var segments = value.Split('.');
        if (segments.Length < 3)
        {
            return false;
        }

        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Length is 0 or > 63)
            {
                return false;
            }

            var isName = i == segments.Length - 1;
            if (isName)
            {
                if (char.IsAsciiDigit(segment[0]) || !segment.All(char.IsAsciiLetterOrDigit))
                {
                    return false;
                }
            }
            else if (segment[0] == '-' || segment[^1] == '-' || !segment.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
            else if (i == 0 && char.IsAsciiDigit(segment[0]))
            {
                return false;
            }
        }

        return true;
    }
}
