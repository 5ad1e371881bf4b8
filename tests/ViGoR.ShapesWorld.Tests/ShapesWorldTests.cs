using ViGoR.Evaluation;

namespace ViGoR.ShapesWorld.Tests;

public sealed class ShapesWorldTests
{
    private static readonly List<Scene> Scenes = Enumerable.Range(0, 60).Select(i => ShapesWorldGenerator.Generate(seed: 3, i)).ToList();
    private static readonly List<PopeImage> PopeImages = Scenes.Select(s => new PopeImage(s.FileName, s.Categories)).ToList();
    private static readonly List<string> Categories = ShapesWorldKinds.All.Select(k => k.Category).ToList();

    [Fact]
    public void The_same_seed_and_index_give_the_same_scene_byte_for_byte()
    {
        var again = ShapesWorldGenerator.Generate(seed: 3, 7);
        Assert.Equal(Scenes[7].Image.Pixels.ToArray(), again.Image.Pixels.ToArray());
        Assert.Equal(Scenes[7].Caption, again.Caption);
        Assert.NotEqual(Scenes[7].Image.Pixels.ToArray(), ShapesWorldGenerator.Generate(seed: 4, 7).Image.Pixels.ToArray());
    }

    [Fact]
    public void Splits_share_no_scene_however_many_scenes_they_draw()
    {
        // The linear mix this replaced made split s, scene 7919 the same scene as split s + 1, scene 0.
        Assert.NotEqual(ShapesWorldGenerator.SceneSeed(3, 7919), ShapesWorldGenerator.SceneSeed(4, 0));
        var seeds = Enumerable.Range(200, 6).SelectMany(s => Enumerable.Range(0, 20000).Select(i => ShapesWorldGenerator.SceneSeed(s, i))).ToList();
        Assert.True(seeds.Distinct().Count() > seeds.Count - 5, $"{seeds.Count - seeds.Distinct().Count()} repeated scene seeds"); // 31-bit seeds: a few birthday collisions at most
    }

    [Fact]
    public void Categories_co_occur_when_a_theme_holds_both()
    {
        Assert.True(ShapesWorldKinds.CoOccur("kite", "frisbee")); // park
        Assert.True(ShapesWorldKinds.CoOccur("clock", "stop sign")); // street
        Assert.False(ShapesWorldKinds.CoOccur("kite", "tv"));
        Assert.False(ShapesWorldKinds.CoOccur("cup", "cup"));
    }

    [Fact]
    public void Objects_lie_inside_the_image_without_overlapping_and_scenes_vary()
    {
        foreach (var scene in Scenes)
        {
            Assert.InRange(scene.Objects.Count, 1, 5);
            Assert.All(scene.Objects, o => Assert.True(o.X >= 0 && o.Y >= 0 && o.X + o.Width <= scene.Width && o.Y + o.Height <= scene.Height));
            for (int i = 0; i < scene.Objects.Count; i++)
            {
                for (int j = i + 1; j < scene.Objects.Count; j++)
                {
                    var (a, b) = (scene.Objects[i], scene.Objects[j]);
                    Assert.False(a.X < b.X + b.Width && b.X < a.X + a.Width && a.Y < b.Y + b.Height && b.Y < a.Y + a.Height, $"{scene.Id}: objects {i} and {j} overlap");
                }
            }
        }

        Assert.True(Scenes.SelectMany(s => s.Objects).Select(o => o.Kind.Category).Distinct().Count() >= 10);
        Assert.True(Scenes.Select(s => s.Objects.Count).Distinct().Count() == 5);
    }

    [Fact]
    public void Each_object_is_drawn_where_its_box_says()
    {
        // The box's centre pixel carries the object's colour (or a dark detail), not the background gradient.
        foreach (var scene in Scenes.Take(20))
        {
            foreach (var o in scene.Objects.Where(o => o.Kind.Glyph is not (Glyph.Ring or Glyph.Clock or Glyph.Screen or Glyph.Octagon or Glyph.Semicircle)))
            {
                var (r, g, b) = ShapesWorldKinds.Palette[o.Colour];
                int offset = (((int)o.CentreY * scene.Width) + (int)o.CentreX) * 3;
                var pixel = scene.Image.Pixels.Span.Slice(offset, 3).ToArray();
                Assert.Equal([r, g, b], pixel);
            }
        }
    }

    [Fact]
    public void Reference_captions_name_exactly_the_objects_present_so_chair_finds_no_hallucination()
    {
        var extractor = new ViGoR.Nlp.WordNetNounExtractor();
        foreach (var scene in Scenes)
        {
            var named = extractor.Extract(scene.Caption).Nouns
                .Where(n => n.IsAsserted && CocoVocabulary.Default.TryGetCategory(n.Lemma, out _))
                .Select(n => CocoVocabulary.Default.TryGetCategory(n.Lemma, out var c) ? c : n.Lemma)
                .ToHashSet();
            Assert.Equal(scene.Objects.Select(o => o.Kind.Category).ToHashSet(), named);
        }

        Assert.Contains(Scenes, s => s.Caption.Contains("to the left of", StringComparison.Ordinal) || s.Caption.Contains("above", StringComparison.Ordinal));
        Assert.Contains(Scenes, s => s.Caption.Contains("There are two", StringComparison.Ordinal) || s.Caption.Contains("There are three", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Coco_instances_round_trip_through_the_annotation_detector()
    {
        var path = Path.Combine(Path.GetTempPath(), $"shapes-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, ShapesWorldGenerator.CocoInstances(Scenes));
        try
        {
            var detector = ViGoR.AnnotationGroundingDetector.Load(path);
            var scene = Scenes[0];
            var words = ShapesWorldKinds.All.Select(k => k.Word).ToList();
            var detections = await detector.DetectAsync(ImageInput.FromId(scene.FileName), words);
            Assert.Equal(scene.Objects.Count, detections.Count);
            Assert.Equal(scene.Objects.Select(o => o.Kind.Word).Order(), detections.Select(d => d.Query!).Order());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("random")]
    [InlineData("popular")]
    [InlineData("adversarial")]
    public void Pope_questions_balance_yes_and_no_and_never_ask_no_about_a_present_object(string split)
    {
        var items = PopeSampler.Sample(PopeImages, Categories, split, seed: 1);
        Assert.Equal(items.Count(i => i.Present), items.Count(i => !i.Present));
        foreach (var item in items)
        {
            var present = Scenes.First(s => s.FileName == item.Image).Objects.Any(o => o.Kind.Category == item.Category);
            Assert.Equal(item.Present, present);
        }
    }

    [Fact]
    public void Adversarial_negatives_co_occur_with_the_image_more_than_random_ones()
    {
        // Adversarial "no" objects come from the scene's theme more often than random ones do.
        double ThemeShare(string split) => PopeSampler.Sample(PopeImages, Categories, split, seed: 1)
            .Where(i => !i.Present)
            .Average(i => ShapesWorldKinds.Themes[Scenes.First(s => s.FileName == i.Image).Theme].Contains(i.Category) ? 1.0 : 0.0);
        Assert.True(ThemeShare("adversarial") > ThemeShare("random") + 0.2, $"adversarial {ThemeShare("adversarial"):F2} vs random {ThemeShare("random"):F2}");
    }
}
