using System.Globalization;

namespace ViGoR.ShapesWorld;

/// <summary>One object of a scene: its kind, colour, size and box in pixels (x, y, width, height).</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Colour">Its colour, a key of <see cref="ShapesWorldKinds.Palette"/>.</param>
/// <param name="Large">Large (30% of the image side) or small (20%).</param>
/// <param name="X">Left edge, pixels from the image's left.</param>
/// <param name="Y">Top edge, pixels from the image's top.</param>
/// <param name="Width">Box width in pixels.</param>
/// <param name="Height">Box height in pixels.</param>
public sealed record SceneObject(ObjectKind Kind, string Colour, bool Large, int X, int Y, int Width, int Height)
{
    /// <summary>The box centre's x, in pixels.</summary>
    public double CentreX => X + (Width / 2.0);

    /// <summary>The box centre's y, in pixels.</summary>
    public double CentreY => Y + (Height / 2.0);
}

/// <summary>One generated scene: the image, its objects (ground truth) and a reference caption that states them truthfully.</summary>
/// <param name="Id">"shapes-{seed}-{index}", also the image's id.</param>
/// <param name="FileName">The PNG's file name (<paramref name="Id"/> + ".png"), the COCO <c>file_name</c>.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Theme">The theme most of its objects come from (a key of <see cref="ShapesWorldKinds.Themes"/>).</param>
/// <param name="Objects">Every object, fully visible and not overlapping.</param>
/// <param name="Image">The rendered RGB image.</param>
/// <param name="Caption">The truthful reference caption (<see cref="ShapesWorldGenerator.Describe"/>).</param>
public sealed record Scene(string Id, string FileName, int Width, int Height, string Theme, IReadOnlyList<SceneObject> Objects, RgbImage Image, string Caption)
{
    /// <summary>The COCO categories present, each once, in ordinal order.</summary>
    public IReadOnlyList<string> Categories => Objects.Select(o => o.Kind.Category).Distinct().Order(StringComparer.Ordinal).ToList();
}

/// <summary>
/// ShapesWorld: a deterministic generator of small scenes of 1-5 COCO-category objects, each drawn as a
/// simple glyph in a colour and size on a varied background, with COCO-format ground truth and a
/// reference caption of objects, counts, attributes and relations. The same (seed, index) always gives
/// the same scene, byte for byte.
/// </summary>
public static class ShapesWorldGenerator
{
    /// <summary>Generates scene <paramref name="index"/> of the split seeded by <paramref name="seed"/>, <paramref name="size"/> pixels square.</summary>
    public static Scene Generate(int seed, int index, int size = 80)
    {
        var random = new Random(SceneSeed(seed, index));
        var themes = ShapesWorldKinds.Themes.Keys.ToList();
        var theme = themes[random.Next(themes.Count)];
        int count = 1 + random.Next(5);
        var objects = new List<SceneObject>();
        for (int attempt = 0; objects.Count < count && attempt < 200; attempt++)
        {
            // Four in five objects come from the scene's theme: co-occurrence, as in COCO.
            var pool = random.NextDouble() < 0.8 ? ShapesWorldKinds.Themes[theme] : ShapesWorldKinds.All.Select(k => k.Category).ToList();
            var kind = ShapesWorldKinds.Of(pool[random.Next(pool.Count)]);
            bool large = random.NextDouble() < 0.4;
            int side = large ? size * 3 / 10 : size / 5;
            int width = kind.Glyph is Glyph.Ellipse or Glyph.Screen ? side * 5 / 4 : side, height = kind.Glyph == Glyph.Ellipse ? side * 3 / 5 : side;
            int x = random.Next(1, size - width - 1), y = random.Next(1, size - height - 1);
            if (objects.Any(o => x < o.X + o.Width + 1 && o.X < x + width + 1 && y < o.Y + o.Height + 1 && o.Y < y + height + 1))
            {
                continue; // no overlaps: every object is fully visible
            }

            objects.Add(new SceneObject(kind, kind.Colours[random.Next(kind.Colours.Count)], large, x, y, width, height));
        }

        var id = string.Create(CultureInfo.InvariantCulture, $"shapes-{seed}-{index:D5}");
        var image = Render(id, objects, size, random);
        return new Scene(id, id + ".png", size, size, theme, objects, image, Describe(objects));
    }

    /// <summary>
    /// The random seed of scene (<paramref name="seed"/>, <paramref name="index"/>): SplitMix64 of both, so
    /// no two splits share a scene however many scenes each draws (a linear mix such as
    /// <c>seed * 7919 + index</c> makes split s, scene 7919 the same scene as split s + 1, scene 0).
    /// </summary>
    public static int SceneSeed(int seed, int index)
    {
        ulong z = unchecked(((ulong)(uint)seed << 32) | (uint)index) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    /// <summary>The truthful reference description: what is there, how many, what colour and size, and where things are relative to each other.</summary>
    public static string Describe(IReadOnlyList<SceneObject> objects)
    {
        var sentences = new List<string>();
        foreach (var group in objects.GroupBy(o => o.Kind.Category))
        {
            var items = group.ToList();
            var kind = items[0].Kind;
            var colours = items.Select(o => o.Colour).Distinct().ToList();
            string colour = kind.Colours.Count > 1 && colours.Count == 1 ? colours[0] + " " : string.Empty;
            string size = items.All(o => o.Large) ? "large " : items.All(o => !o.Large) ? "small " : string.Empty;
            sentences.Add(items.Count == 1
                ? $"There is a {size}{colour}{kind.Word}."
                : $"There are {Number(items.Count)} {size}{colour}{kind.Plural}.");
        }

        var distinct = objects.GroupBy(o => o.Kind.Category).Select(g => g.First()).ToList();
        for (int i = 0; i + 1 < distinct.Count && i < 2; i++)
        {
            var a = distinct[i];
            var b = distinct[i + 1];
            sentences.Add($"The {a.Kind.Word} is {Relation(a, b)} the {b.Kind.Word}.");
        }

        return Capitalise(string.Join(" ", sentences));
    }

    /// <summary>Where <paramref name="a"/> is relative to <paramref name="b"/>: the dominant axis of their centres.</summary>
    public static string Relation(SceneObject a, SceneObject b)
    {
        double dx = a.CentreX - b.CentreX, dy = a.CentreY - b.CentreY;
        return Math.Abs(dx) >= Math.Abs(dy) ? (dx < 0 ? "to the left of" : "to the right of") : (dy < 0 ? "above" : "below");
    }

    /// <summary>A count as captions write it ("one" to "five", digits above).</summary>
    public static string Number(int n) => n switch { 1 => "one", 2 => "two", 3 => "three", 4 => "four", 5 => "five", _ => n.ToString(CultureInfo.InvariantCulture) };

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static RgbImage Render(string id, IReadOnlyList<SceneObject> objects, int size, Random random)
    {
        var pixels = new byte[size * size * 3];
        // A light background with a gentle two-colour gradient, so scenes differ beyond their objects.
        var top = (R: 170 + random.Next(80), G: 170 + random.Next(80), B: 170 + random.Next(80));
        var bottom = (R: 150 + random.Next(100), G: 150 + random.Next(100), B: 150 + random.Next(100));
        for (int y = 0; y < size; y++)
        {
            double t = y / (double)(size - 1);
            for (int x = 0; x < size; x++)
            {
                int o = ((y * size) + x) * 3;
                pixels[o] = (byte)((top.R * (1 - t)) + (bottom.R * t));
                pixels[o + 1] = (byte)((top.G * (1 - t)) + (bottom.G * t));
                pixels[o + 2] = (byte)((top.B * (1 - t)) + (bottom.B * t));
            }
        }

        foreach (var obj in objects)
        {
            var colour = ShapesWorldKinds.Palette[obj.Colour];
            for (int y = obj.Y; y < obj.Y + obj.Height; y++)
            {
                for (int x = obj.X; x < obj.X + obj.Width; x++)
                {
                    // 2x2 supersampling: coverage blends the edge with the background.
                    int hits = 0;
                    for (int s = 0; s < 4; s++)
                    {
                        double u = (x - obj.X + 0.25 + (0.5 * (s % 2))) / obj.Width, v = (y - obj.Y + 0.25 + (0.5 * (s / 2))) / obj.Height;
                        hits += Inside(obj.Kind.Glyph, u, v) ? 1 : 0;
                    }

                    if (hits == 0)
                    {
                        continue;
                    }

                    var ink = Detail(obj.Kind.Glyph, (x - obj.X + 0.5) / obj.Width, (y - obj.Y + 0.5) / obj.Height) ? (R: (byte)20, G: (byte)20, B: (byte)20) : colour;
                    int o = ((y * size) + x) * 3;
                    pixels[o] = Blend(pixels[o], ink.R, hits);
                    pixels[o + 1] = Blend(pixels[o + 1], ink.G, hits);
                    pixels[o + 2] = Blend(pixels[o + 2], ink.B, hits);
                }
            }
        }

        return new RgbImage(id, size, size, pixels);
    }

    private static byte Blend(byte under, byte over, int hits) => (byte)(((under * (4 - hits)) + (over * hits)) / 4);

    /// <summary>Whether (u, v) in [0, 1]² lies inside the glyph.</summary>
    private static bool Inside(Glyph glyph, double u, double v)
    {
        double cx = u - 0.5, cy = v - 0.5, r2 = (cx * cx) + (cy * cy);
        return glyph switch
        {
            Glyph.Disc or Glyph.Ellipse or Glyph.Clock => r2 <= 0.25,
            Glyph.Ring => r2 <= 0.25 && r2 >= 0.04,
            Glyph.Diamond => Math.Abs(cx) + Math.Abs(cy) <= 0.5,
            Glyph.Semicircle => (v <= 0.55 && ((cx * cx) + ((v - 0.55) * (v - 0.55))) <= 0.2) || (Math.Abs(cx) < 0.05 && v > 0.55),
            Glyph.Rectangle => Math.Abs(cx) <= 0.32,
            Glyph.Trapezoid => v >= 0.15 && Math.Abs(cx) <= 0.3 + (0.15 * (0.85 - v)),
            Glyph.Octagon => Math.Abs(cx) <= 0.5 && Math.Abs(cy) <= 0.5 && Math.Abs(cx) + Math.Abs(cy) <= 0.7,
            Glyph.Screen => Math.Abs(cy) <= 0.38 || (Math.Abs(cx) < 0.06 && v > 0.88),
            // A disc a little lower than a ball's, under a stem: a red apple and a red ball must look different.
            Glyph.Apple => ((cx * cx) + ((v - 0.58) * (v - 0.58))) <= 0.18 || (Math.Abs(cx) < 0.07 && v < 0.2),
            _ => false,
        };
    }

    /// <summary>Dark details inside a glyph (a clock's hands, a screen's border), so kinds of one shape still differ.</summary>
    private static bool Detail(Glyph glyph, double u, double v) => glyph switch
    {
        Glyph.Clock => (Math.Abs(u - 0.5) < 0.05 && v > 0.2 && v < 0.5) || (Math.Abs(v - 0.5) < 0.05 && u > 0.5 && u < 0.75),
        Glyph.Screen => Math.Abs(u - 0.5) > 0.42 || Math.Abs(v - 0.5) > 0.32,
        Glyph.Octagon => Math.Abs(v - 0.5) < 0.06 && Math.Abs(u - 0.5) < 0.3,
        Glyph.Apple => v < 0.2,
        _ => false,
    };

    /// <summary>Writes the scenes' ground truth as a COCO instances file (images, annotations with [x, y, w, h] boxes, categories).</summary>
    public static string CocoInstances(IReadOnlyList<Scene> scenes)
    {
        var document = new Dictionary<string, object>
        {
            ["images"] = scenes.Select((s, i) => new Dictionary<string, object> { ["id"] = i + 1, ["file_name"] = s.FileName, ["width"] = s.Width, ["height"] = s.Height }).ToList(),
            ["annotations"] = scenes.SelectMany((s, i) => s.Objects.Select(o => (Image: i + 1, Object: o)))
                .Select((a, n) => new Dictionary<string, object>
                {
                    ["id"] = n + 1,
                    ["image_id"] = a.Image,
                    ["category_id"] = a.Object.Kind.CategoryId,
                    ["bbox"] = new[] { a.Object.X, a.Object.Y, a.Object.Width, a.Object.Height },
                    ["area"] = a.Object.Width * a.Object.Height,
                    ["iscrowd"] = 0,
                }).ToList(),
            ["categories"] = ShapesWorldKinds.All.Select(k => new Dictionary<string, object> { ["id"] = k.CategoryId, ["name"] = k.Category }).ToList(),
        };
        return System.Text.Json.JsonSerializer.Serialize(document);
    }
}
