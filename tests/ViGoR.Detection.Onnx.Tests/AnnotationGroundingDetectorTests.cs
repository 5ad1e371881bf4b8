using Microsoft.Extensions.DependencyInjection;
using ViGoR.Evaluation;

namespace ViGoR.DetectionOnnx.Tests;

public class AnnotationGroundingDetectorTests
{
    private static readonly string Llava = Fixtures.Path("annotations", "caps_boxes_excerpt.jsonl");
    private static readonly string Coco = Fixtures.Path("annotations", "instances_tiny.json");

    [Fact]
    public async Task Coco_boxes_answer_by_synonym_and_plural_in_pixels()
    {
        var detector = AnnotationGroundingDetector.Load(Coco);

        var detections = await detector.DetectAsync(ImageInput.FromId("COCO_val2014_000000000139.jpg"), ["men", "chairs", "dog", "television", "man"]);

        // "men" and "man" both name person: each of the two person boxes supports both; chair via
        // plural; no dog; tv is not annotated here.
        Assert.Equal(["men", "men", "chairs"], detections.Select(d => d.Query));
        Assert.Equal([["men", "man"], ["men", "man"], ["chairs"]], detections.Select(d => d.Queries));
        Assert.Equal(["person", "person", "chair"], detections.Select(d => d.Label));
        Assert.All(detections, d => Assert.Equal(1f, d.Score));
        Boxes.Equal(new BoundingBox(412.8f, 157.61f, 465.85f, 295.62f), detections[0].Box);
        Boxes.Equal(new BoundingBox(384.43f, 172.21f, 399.55f, 207.95f), detections[1].Box);
        Boxes.Equal(new BoundingBox(7.03f, 167.76f, 156.35f, 262.63f), detections[2].Box);
    }

    [Fact]
    public async Task One_person_box_supports_both_man_and_person()
    {
        var detector = AnnotationGroundingDetector.Load(Coco);

        var detections = await detector.DetectAsync(ImageInput.FromId("139"), ["man", "chair", "person"]);

        var people = detections.Where(d => d.Label == "person").ToList();
        Assert.Equal(2, people.Count);
        Assert.All(people, d => Assert.Equal(["man", "person"], d.Queries));
        Assert.All(people, d => Assert.Equal("man", d.Query));
        Assert.Equal(["chair"], Assert.Single(detections, d => d.Label == "chair").Queries);
        Assert.Equal(3, detections.Count);
    }

    [Fact]
    public void Verifies_only_phrases_its_vocabulary_names()
    {
        var detector = AnnotationGroundingDetector.Load(Coco);

        Assert.True(detector.CanVerify("men"));
        Assert.True(detector.CanVerify("fire hydrant"));
        Assert.True(detector.CanVerify("dog"));
        Assert.False(detector.CanVerify("cabinet"));
        Assert.False(detector.CanVerify("curtain"));
    }

    [Theory]
    [InlineData("139")]
    [InlineData("COCO_val2014_000000000139")]
    [InlineData("/data/coco/val2014/COCO_val2014_000000000139.jpg")]
    [InlineData("000000000139.jpg")]
    public async Task Images_match_by_file_name_stem_or_numeric_id(string id)
    {
        var detector = AnnotationGroundingDetector.Load(Coco);
        Assert.Single(await detector.DetectAsync(ImageInput.FromId(id), ["chair"]));
    }

    [Fact]
    public async Task Llava_caps_boxes_are_normalised_without_pixels_and_scaled_with_them()
    {
        var detector = AnnotationGroundingDetector.Load(Llava);

        var byId = await detector.DetectWithDetailsAsync(ImageInput.FromId("000000296284"), ["donuts", "doughnut"]);
        Assert.True(byId.BoxesNormalised);
        Assert.Equal(10, byId.Detections.Count);
        Assert.All(byId.Detections, d => Assert.Equal(["donuts", "doughnut"], d.Queries));
        Boxes.Equal(new BoundingBox(0.37f, 0.584f, 0.504f, 0.709f), byId.Detections[0].Box, 1e-6f);

        var withPixels = Fixtures.Image(200, 100, "000000296284.jpg");
        var scaled = await detector.DetectWithDetailsAsync(withPixels, ["donut"]);
        Assert.False(scaled.BoxesNormalised);
        Boxes.Equal(new BoundingBox(74f, 58.4f, 100.8f, 70.9f), scaled.Detections[0].Box);
    }

    [Fact]
    public async Task Multiword_categories_and_absent_objects()
    {
        var detector = AnnotationGroundingDetector.Load(Llava);
        var detections = await detector.DetectAsync(ImageInput.FromId("000000151358.jpg"), ["teddy bears", "apple", "dog", "tie"]);
        Assert.Equal(["teddy bears", "apple", "tie"], detections.Select(d => d.Query).Distinct());
        Assert.DoesNotContain(detections, d => d.Queries.Contains("dog"));
    }

    [Fact]
    public async Task A_custom_synonym_map_replaces_coco()
    {
        using var reader = new StringReader("donut, pastry\n");
        var detector = AnnotationGroundingDetector.Load(Llava, new AnnotationDetectorOptions { Vocabulary = CocoVocabulary.Parse(reader) });
        Assert.Equal(10, (await detector.DetectAsync(ImageInput.FromId("000000296284"), ["pastries"])).Count);
        Assert.Empty(await detector.DetectAsync(ImageInput.FromId("000000296284"), ["doughnut"]));
    }

    [Fact]
    public async Task Registers_through_the_ViGoR_builder()
    {
        var services = new ServiceCollection();
        services.AddViGoR().UseAnnotationGroundingDetector(Coco, o => o.HandlePlurals = false);
        await using var provider = services.BuildServiceProvider();
        var detector = Assert.IsType<AnnotationGroundingDetector>(provider.GetRequiredService<IGroundingDetector>());
        Assert.Empty(await detector.DetectAsync(ImageInput.FromId("139"), ["chairs"]));
        Assert.Single(await detector.DetectAsync(ImageInput.FromId("139"), ["chair"]));
    }

    [Fact]
    public async Task Box_threshold_of_one_keeps_nothing() =>
        Assert.Empty(await AnnotationGroundingDetector.Load(Coco).DetectAsync(ImageInput.FromId("139"), ["chair"], new GroundingOptions { BoxThreshold = 1f }));

    [Fact]
    public async Task Unknown_image_is_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => AnnotationGroundingDetector.Load(Coco).DetectAsync(ImageInput.FromId("42.jpg"), ["cat"]));
        Assert.Contains("'42.jpg'", e.Message, StringComparison.Ordinal);
        Assert.Contains("instances_tiny.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_lines_name_file_and_line()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("vigor-ann-").FullName, "boxes.jsonl");
        File.WriteAllLines(path,
        [
            """{"id": "1", "image": "1.jpg", "instances": []}""",
            string.Empty,
            """{"id": "2", "image": "2.jpg", "instances": [{"category": "cat", "bbox": [0.1, 0.2]}]}""",
        ]);
        var e = Assert.Throws<InvalidDataException>(() => GroundTruthAnnotations.Load(path));
        Assert.Contains($"{path}, line 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("instances[0].bbox", e.Message, StringComparison.Ordinal);

        File.WriteAllText(path, "{\"id\": \"1\", \"instances\": [}\n");
        Assert.Contains($"{path}, line 1", Assert.Throws<InvalidDataException>(() => GroundTruthAnnotations.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_coco_names_the_field()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("vigor-ann-").FullName, "instances.json");
        File.WriteAllText(path, """{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"image_id": 1, "category_id": 9, "bbox": [1, 2, 3, 4]}], "categories": []}""");
        var e = Assert.Throws<InvalidDataException>(() => GroundTruthAnnotations.Load(path));
        Assert.Contains("annotations[0].category_id 9", e.Message, StringComparison.Ordinal);

        File.WriteAllText(path, "{\n  \"images\": [\n  oops\n]}");
        Assert.Contains($"{path}, line 3", Assert.Throws<InvalidDataException>(() => GroundTruthAnnotations.Load(path)).Message, StringComparison.Ordinal);
    }

    /// <summary>The annotation detector is ground truth; the demo's noise is a <see cref="NoisyGroundingDetector"/> around it (these cases were the annotation detector's own noise).</summary>
    private static NoisyGroundingDetector Noisy(double miss, double falseAlarm, int seed) =>
        new(AnnotationGroundingDetector.Load(Coco), new NoisyDetectorOptions { MissRate = miss, FalseAlarmRate = falseAlarm, Seed = seed });

    [Fact]
    public async Task Noise_around_it_misses_boxes_and_raises_false_alarms_at_the_set_rates_reproducibly()
    {
        // 139 has person, chair, tv-less ground truth; ask many seeds so the rates can be measured.
        var phrases = new[] { "person", "chair", "dog", "cat", "car", "bus" };
        int boxes = 0, kept = 0, absentAsked = 0, alarms = 0;
        var clean = await AnnotationGroundingDetector.Load(Coco).DetectAsync(ImageInput.FromId("139"), phrases);
        for (int seed = 0; seed < 300; seed++)
        {
            var detector = Noisy(0.3, 0.2, seed);
            var noisy = await detector.DetectAsync(ImageInput.FromId("139"), phrases);
            var reversed = await detector.DetectAsync(ImageInput.FromId("139"), phrases.Reverse().ToList());

            // The same decisions whatever the order of the phrases.
            Assert.Equal(noisy.Select(d => d.Label).Order(), reversed.Select(d => d.Label).Order());
            boxes += clean.Count;
            kept += noisy.Count(d => d.Label is "person" or "chair");
            absentAsked += 4;
            alarms += noisy.Count(d => d.Label is not ("person" or "chair"));
        }

        Assert.InRange(1 - (kept / (double)boxes), 0.25, 0.35);
        Assert.InRange(alarms / (double)absentAsked, 0.15, 0.25);
    }

    [Fact]
    public async Task A_false_alarm_around_it_is_one_box_and_the_identity_names_the_annotations_and_the_noise()
    {
        var detector = Noisy(0, 1, 3);

        var detections = await detector.DetectAsync(ImageInput.FromId("139"), ["dog", "person"]);

        var alarm = Assert.Single(detections, d => d.Label == "dog");
        Assert.Equal("dog", alarm.Query);
        Assert.InRange(alarm.Box.X1, 0, 0.75); // an image given by id has no size: the unit square
        Assert.InRange(alarm.Box.Y2, 0.25, 1);
        Assert.StartsWith(AnnotationGroundingDetector.Load(Coco).Identity, detector.Identity, StringComparison.Ordinal);
        Assert.EndsWith("+noise(miss=0,false_alarm=1,seed=3)", detector.Identity, StringComparison.Ordinal);
        Assert.Same(detector.GetService<IClosedVocabularyDetector>(), detector.GetService<AnnotationGroundingDetector>()); // the closed vocabulary still reaches the scorer
        Assert.DoesNotContain("noise", AnnotationGroundingDetector.Load(Coco).Identity, StringComparison.Ordinal);
    }
}
