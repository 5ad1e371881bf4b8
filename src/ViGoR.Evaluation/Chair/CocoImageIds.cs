using System.Globalization;

namespace ViGoR.Evaluation;

/// <summary>Normalises the many spellings of a COCO image id to one key.</summary>
public static class CocoImageIds
{
    /// <summary>
    /// The numeric COCO id as invariant text when <paramref name="id"/> is a number, a zero-padded
    /// number ("000000296284") or a COCO file name ("COCO_val2014_000000310196.jpg", "000000296284.jpg");
    /// otherwise <paramref name="id"/> unchanged.
    /// </summary>
    public static string Normalize(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var name = Path.GetFileNameWithoutExtension(id.Trim());
        var start = name.Length;
        while (start > 0 && char.IsAsciiDigit(name[start - 1]))
        {
            start--;
        }

        var digits = name[start..];
        var prefixOk = start == 0 || name[start - 1] == '_';
        return digits.Length > 0 && prefixOk && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n.ToString(CultureInfo.InvariantCulture)
            : id;
    }
}
