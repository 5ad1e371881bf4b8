namespace ViGoR.ShapesWorld;

/// <summary>How an object kind is drawn.</summary>
public enum Glyph
{
    /// <summary>A filled circle.</summary>
    Disc,
    /// <summary>A filled ellipse, wider than tall.</summary>
    Ellipse,
    /// <summary>A square turned 45 degrees.</summary>
    Diamond,
    /// <summary>A dome on a stem.</summary>
    Semicircle,
    /// <summary>An upright rectangle.</summary>
    Rectangle,
    /// <summary>A trapezoid, wider at the top.</summary>
    Trapezoid,
    /// <summary>A disc with dark hands.</summary>
    Clock,
    /// <summary>A disc with a hole.</summary>
    Ring,
    /// <summary>An octagon with a dark bar.</summary>
    Octagon,
    /// <summary>A dark-framed rectangle on a foot.</summary>
    Screen,
    /// <summary>A low disc under a dark stem.</summary>
    Apple,
}

/// <summary>A drawable object kind: a COCO category, so CHAIR, POPE, the annotation detector and the noun extractor treat it as they treat COCO objects.</summary>
/// <param name="Category">The COCO category name (the annotation's category).</param>
/// <param name="CategoryId">COCO's id for it.</param>
/// <param name="Word">The word captions use (singular).</param>
/// <param name="Plural">Its plural.</param>
/// <param name="Glyph">How it is drawn.</param>
/// <param name="Colours">The colours it comes in (the first is named only when there is a choice).</param>
public sealed record ObjectKind(string Category, int CategoryId, string Word, string Plural, Glyph Glyph, IReadOnlyList<string> Colours);

/// <summary>The vocabulary of ShapesWorld and the themes that make objects co-occur, as COCO's do (kitchens have cups, parks have kites).</summary>
public static class ShapesWorldKinds
{
    /// <summary>Every colour by its caption word, as RGB.</summary>
    public static readonly IReadOnlyDictionary<string, (byte R, byte G, byte B)> Palette = new Dictionary<string, (byte, byte, byte)>
    {
        ["red"] = (210, 40, 40), ["green"] = (40, 160, 60), ["blue"] = (40, 80, 210), ["yellow"] = (235, 200, 30),
        ["white"] = (245, 245, 245), ["brown"] = (130, 80, 40), ["pink"] = (240, 130, 170), ["orange"] = (245, 140, 20),
        ["black"] = (25, 25, 25), ["purple"] = (130, 50, 170),
    };

    /// <summary>The twelve object kinds, in a fixed order.</summary>
    public static readonly IReadOnlyList<ObjectKind> All =
    [
        new("sports ball", 37, "ball", "balls", Glyph.Disc, ["red", "blue", "yellow", "white"]),
        new("frisbee", 34, "frisbee", "frisbees", Glyph.Ellipse, ["red", "blue", "yellow", "green"]),
        new("kite", 38, "kite", "kites", Glyph.Diamond, ["red", "blue", "yellow", "purple"]),
        new("umbrella", 28, "umbrella", "umbrellas", Glyph.Semicircle, ["red", "blue", "green", "purple"]),
        new("book", 84, "book", "books", Glyph.Rectangle, ["red", "blue", "green", "brown"]),
        new("cup", 47, "cup", "cups", Glyph.Trapezoid, ["white", "red", "blue"]),
        new("clock", 85, "clock", "clocks", Glyph.Clock, ["white"]),
        new("donut", 60, "donut", "donuts", Glyph.Ring, ["brown", "pink"]),
        new("apple", 53, "apple", "apples", Glyph.Apple, ["red", "green"]),
        new("orange", 55, "orange", "oranges", Glyph.Disc, ["orange"]),
        new("stop sign", 13, "stop sign", "stop signs", Glyph.Octagon, ["red"]),
        new("tv", 72, "tv", "tvs", Glyph.Screen, ["black"]),
    ];

    /// <summary>Scenes draw most of their objects from one theme, so objects co-occur (POPE's adversarial split samples exactly these).</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Themes = new Dictionary<string, IReadOnlyList<string>>
    {
        ["park"] = ["sports ball", "frisbee", "kite", "umbrella"],
        ["kitchen"] = ["cup", "donut", "apple", "orange", "clock"],
        ["living room"] = ["tv", "book", "clock", "cup"],
        ["street"] = ["stop sign", "umbrella", "clock"],
    };

    /// <summary>
    /// Whether two categories co-occur: some theme has both. A scene's theme cannot be seen, only its
    /// objects, so a model's co-occurrence prior links objects to objects (a kite suggests a frisbee),
    /// as COCO's co-occurrence statistics do.
    /// </summary>
    public static bool CoOccur(string a, string b) => a != b && Themes.Values.Any(t => t.Contains(a) && t.Contains(b));

    /// <summary>The kind of a COCO category name.</summary>
    /// <exception cref="InvalidOperationException">No ShapesWorld kind has that category.</exception>
    public static ObjectKind Of(string category) => All.First(k => k.Category == category);
}
