using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ViGoR.DetectionOnnx.Tests;

/// <summary>End to end on the tiny generated exports; see scripts/generate_tiny_grounding_dino.py for the query table.</summary>
public sealed class GroundingDinoDetectorTests : IDisposable
{
    private readonly GroundingDinoDetector _hf = new(new GroundingDinoOptions { ModelPath = Fixtures.HfModel });
    private readonly GroundingDinoDetector _idea = new(new GroundingDinoOptions { ModelPath = Fixtures.IdeaModel });

    public void Dispose()
    {
        _hf.Dispose();
        _idea.Dispose();
    }

    [Fact]
    public async Task Hugging_Face_export_gives_transformers_detections()
    {
        Assert.Equal(GroundingDinoExportFormat.HuggingFace, _hf.ExportFormat);
        Assert.Equal(GroundingDinoExecutionProvider.Cpu, _hf.ExecutionProvider);

        var detections = await _hf.DetectAsync(Fixtures.Image(64, 48), ["Cat", "dog"]);

        Assert.Equal(["cat", "cat", "..", string.Empty, "[SEP]", "cat"], detections.Select(d => d.Label));
        Assert.Equal(["Cat", "Cat", null, null, null, "Cat"], detections.Select(d => d.Query));
        float[] scores = [Fixtures.Sigmoid(2), Fixtures.Sigmoid(-1.05), Fixtures.Sigmoid(3), Fixtures.Sigmoid(4), Fixtures.Sigmoid(5), 0.5f];
        Assert.Equal(scores.Length, detections.Count);
        Assert.All(scores.Zip(detections), p => Assert.Equal(p.First, p.Second.Score, 6));
        Boxes.Equal(new BoundingBox(25.6f, 14.4f, 38.4f, 33.6f), detections[0].Box);
        Boxes.Equal(new BoundingBox(32f, 24f, 44.8f, 33.6f), detections[1].Box);
        Boxes.Equal(new BoundingBox(0f, 38.4f, 12.8f, 48f), detections[2].Box);

        // Query 5 reports the tensor size fed: 64x48 resized by shortest_edge 80 / longest_edge 133 -> 106x80.
        Boxes.Equal(new BoundingBox(106f / 2048 * 64, 80f / 2048 * 48, 106f / 2048 * 64, 80f / 2048 * 48), detections[3].Box);
        Boxes.Equal(new BoundingBox(51.2f, 0f, 64f, 9.6f), detections[4].Box);
        Boxes.Equal(new BoundingBox(6.4f, 28.8f, 32f, 38.4f), detections[5].Box);
    }

    [Fact]
    public async Task Thresholds_come_from_the_options()
    {
        var detections = await _hf.DetectAsync(Fixtures.Image(64, 48), ["cat", "dog"], new GroundingOptions { BoxThreshold = 0.9f, TextThreshold = 0.2f });
        Assert.Equal(["..", string.Empty, "[SEP]"], detections.Select(d => d.Label));

        var lowText = await _hf.DetectAsync(Fixtures.Image(64, 48), ["cat", "dog"], new GroundingOptions { TextThreshold = 0.2f });
        Assert.Equal("cat dog", lowText[^1].Label);
        Assert.Equal("cat", lowText[^1].Query);
        Assert.Equal(["cat", "dog"], lowText[^1].Queries);
        Assert.All(lowText.Take(lowText.Count - 1), d => Assert.Equal(d.Query is null ? [] : new[] { d.Query }, d.Queries));
    }

    [Fact]
    public async Task IDEA_Research_export_gets_sub_sentence_masks_position_ids_and_its_fixed_size()
    {
        Assert.Equal(GroundingDinoExportFormat.IdeaResearch, _idea.ExportFormat);

        var detections = await _idea.DetectAsync(Fixtures.Image(64, 48), ["the running dog"]);

        // Query 8 lights positions whose position id is >= 2 ("dog", "."): proves the position ids.
        // Query 9 lights tokens in blocks of >= 4 tokens: proves the text_token_mask.
        Assert.Equal([".", string.Empty, "[SEP]", "dog.", "the running dog."], detections.Select(d => d.Label));
        Assert.Equal([null, null, null, "the running dog", "the running dog"], detections.Select(d => d.Query));
        Assert.Equal(Fixtures.Sigmoid(5), detections[3].Score, 6);
        Assert.Equal(Fixtures.Sigmoid(0.5), detections[4].Score, 6);

        // A fixed 1x3x96x128 export is fed 128x96 whatever the image.
        Boxes.Equal(new BoundingBox(4f, 2.25f, 4f, 2.25f), detections[1].Box);
        Boxes.Equal(new BoundingBox(19.2f, 14.4f, 32f, 24f), detections[3].Box);
    }

    [Fact]
    public async Task Phrase_lists_past_256_tokens_are_split_and_merged()
    {
        var longPhrase = string.Join(' ', Enumerable.Repeat("a", 250)) + " cat";

        var detections = await _hf.DetectAsync(Fixtures.Image(64, 48), [longPhrase, "remote control"]);

        Assert.Equal(10, detections.Count);
        var cat = detections.Where(d => d.Label == "cat").ToList();
        Assert.Equal(3, cat.Count);
        Assert.All(cat, d => Assert.Equal(longPhrase, d.Query));
        var remote = Assert.Single(detections, d => d.Query == "remote control");
        Assert.Equal("remote control", remote.Label);
        Assert.Equal(Fixtures.Sigmoid(1), remote.Score, 6);
        Assert.Equal(2, detections.Count(d => d.Label == "[SEP]"));
    }

    [Fact]
    public async Task Phrases_of_a_later_chunk_map_back_to_the_callers_spelling()
    {
        // 253 tokens fill the first call alone; "Remote" and "control." share the second, where
        // query 1 lights both "remote" and "control" (logit 1 each).
        var longPhrase = string.Join(' ', Enumerable.Repeat("a", 252)) + " cat";

        var detections = await _hf.DetectAsync(Fixtures.Image(64, 48), [longPhrase, "Remote", "control."]);

        var remote = Assert.Single(detections, d => d.Label == "remote control");
        Assert.Equal(["Remote", "control."], remote.Queries);
        Assert.Equal("Remote", remote.Query);
        Assert.All(detections.Where(d => d.Label == "cat"), d => Assert.Equal([longPhrase], d.Queries));
    }

    [Fact]
    public async Task Token_at_position_255_scores_but_is_not_a_label()
    {
        var detections = await _hf.DetectAsync(Fixtures.Image(64, 48), [string.Join(' ', Enumerable.Repeat("a", 253))]);

        var sep = Assert.Single(detections, d => Math.Abs(d.Score - Fixtures.Sigmoid(5)) < 1e-6);
        Assert.Equal(string.Empty, sep.Label);
        Assert.Contains(detections, d => d.Label == ".");
    }

    [Fact]
    public async Task Batches_pad_to_the_largest_image_when_the_export_has_a_pixel_mask()
    {
        var landscape = Fixtures.Image(64, 48, "a.png");
        var portrait = Fixtures.Image(48, 64, "b.png");

        var batched = await _hf.DetectBatchAsync([landscape, portrait], ["cat"]);

        // Both shared one 106x106 tensor (query 5 reports it); boxes scale to each original size.
        var sizeA = batched[0].Single(d => d.Label.Length == 0).Box;
        var sizeB = batched[1].Single(d => d.Label.Length == 0).Box;
        Boxes.Equal(new BoundingBox(106f / 2048 * 64, 106f / 2048 * 48, 106f / 2048 * 64, 106f / 2048 * 48), sizeA);
        Boxes.Equal(new BoundingBox(106f / 2048 * 48, 106f / 2048 * 64, 106f / 2048 * 48, 106f / 2048 * 64), sizeB);
        Boxes.Equal(new BoundingBox(25.6f, 14.4f, 38.4f, 33.6f), batched[0][0].Box);
        Boxes.Equal(new BoundingBox(19.2f, 19.2f, 28.8f, 44.8f), batched[1][0].Box);

        using var oneByOne = new GroundingDinoDetector(new GroundingDinoOptions { ModelPath = Fixtures.HfModel, MaxBatchSize = 1 });
        var single = await oneByOne.DetectBatchAsync([landscape, portrait], ["cat"]);
        Boxes.Equal(new BoundingBox(106f / 2048 * 64, 80f / 2048 * 48, 106f / 2048 * 64, 80f / 2048 * 48), single[0].Single(d => d.Label.Length == 0).Box);
    }

    [Theory]
    [InlineData("hf", 1)]
    [InlineData("hf_fixed", 2)]
    public async Task Each_image_of_a_batch_is_asked_its_own_phrases_and_gets_what_it_gets_alone(string model, int expectedCalls)
    {
        var logger = new ListLogger<GroundingDinoDetector>();
        using var detector = new GroundingDinoDetector(new GroundingDinoOptions { ModelPath = Fixtures.Path(model), MaxTextTokens = 12 }, logger);
        GroundingQuery[] queries =
        [
            new(Fixtures.Image(64, 48, "a.png"), ["cat"]),

            // 15 tokens: two chunks, so this image has two rows of the batch.
            new(Fixtures.Image(64, 48, "b.png"), ["remote control", "the dog", "a cat", "two cats"]),
            new(Fixtures.Image(64, 48, "c.png"), []),
            new(Fixtures.Image(64, 48, "d.png"), ["remote control"]),
        ];

        var batched = await detector.DetectBatchAsync(queries);

        // Four rows (a, b twice, d) in one call of the dynamic export, two of the export fixed at batch 2.
        Assert.Equal(expectedCalls, logger.Entries.Count(e => e.Message.StartsWith("Grounding DINO call", StringComparison.Ordinal)));
        Assert.Equal(4, batched.Count);
        Assert.Empty(batched[2]);
        Assert.DoesNotContain(batched[0], d => d.Queries.Contains("remote control"));
        Assert.Contains(batched[1], d => d.Queries.Contains("two cats"));
        Assert.Equal("remote control", batched[3][0].Query);
        for (var i = 0; i < queries.Length; i++)
        {
            var alone = await detector.DetectAsync(queries[i].Image, queries[i].Phrases);
            Assert.Equal(alone.Select(d => (d.Label, d.Query, string.Join("|", d.Queries))), batched[i].Select(d => (d.Label, d.Query, string.Join("|", d.Queries))));
            Assert.All(alone.Zip(batched[i]), p =>
            {
                Assert.Equal(p.First.Score, p.Second.Score, 6);
                Boxes.Equal(p.First.Box, p.Second.Box, 1e-5f);
            });
        }
    }

    [Fact]
    public async Task Fixed_batch_export_takes_images_one_by_one()
    {
        var results = await _idea.DetectBatchAsync([Fixtures.Image(64, 48), Fixtures.Image(30, 90)], ["the running dog"]);
        Assert.Equal(2, results.Count);
        Boxes.Equal(new BoundingBox(0.0625f * 30, 0.046875f * 90, 0.0625f * 30, 0.046875f * 90), results[1].Single(d => d.Label.Length == 0).Box);
    }

    [Fact]
    public async Task Fixed_text_length_and_batch_are_padded_and_chunked()
    {
        using var detector = new GroundingDinoDetector(new GroundingDinoOptions { ModelPath = Fixtures.Path("hf_fixed") });
        string[] phrases = ["a cat", "a dog", "remote control", "the dog"];

        // 14 tokens padded to the export's 16; three images through a batch of 2 (the spare slot is dropped).
        var results = await detector.DetectBatchAsync([Fixtures.Image(64, 48), Fixtures.Image(48, 64), Fixtures.Image(30, 30)], phrases);

        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal(["cat", "remote control", "cat", "....", string.Empty, "[SEP]", "cat"], r.Select(d => d.Label)));
        Assert.Equal("remote control", results[0][1].Query);
        Boxes.Equal(new BoundingBox(0.4f * 30, 0.3f * 30, 0.6f * 30, 0.7f * 30), results[2][0].Box);

        // One more phrase passes 16 tokens: a second call, merged.
        var chunked = await detector.DetectAsync(Fixtures.Image(64, 48), [.. phrases, "two cats"]);
        Assert.Equal(13, chunked.Count);
        Assert.Equal(3, chunked.Count(d => d.Query == "two cats"));
    }

    [Fact]
    public async Task No_phrases_means_no_model_call_and_no_detections() =>
        Assert.Empty(await _hf.DetectAsync(ImageInput.FromId("never-decoded"), [" ", "."]));

    [Fact]
    public async Task Corrupt_image_gives_an_image_error()
    {
        var bad = ImageInput.FromBytes("broken.png", new byte[] { 1, 2, 3, 4, 5 });
        var e = await Assert.ThrowsAsync<ImageDecodeException>(() => _hf.DetectAsync(bad, ["cat"]));
        Assert.Contains("broken.png", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unrecognised_graph_lists_expected_and_found_inputs()
    {
        var e = Assert.Throws<InvalidDataException>(() => new GroundingDinoDetector(new GroundingDinoOptions { ModelPath = Fixtures.Path("wrong") }));
        Assert.Contains("Found inputs: x Float[1,3,8,8]", e.Message, StringComparison.Ordinal);
        Assert.Contains("Found outputs: y", e.Message, StringComparison.Ordinal);
        Assert.Contains("pixel_values", e.Message, StringComparison.Ordinal);
        Assert.Contains("text_token_mask", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_model_folders_give_clear_errors()
    {
        var missing = Path.Combine(Path.GetTempPath(), "vigor-no-such-model");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => new GroundingDinoDetector(new GroundingDinoOptions { ModelPath = missing })).Message, StringComparison.Ordinal);

        var empty = Directory.CreateTempSubdirectory("vigor-det-").FullName;
        Assert.Contains("No .onnx file", Assert.Throws<FileNotFoundException>(() => new GroundingDinoDetector(new GroundingDinoOptions { ModelPath = empty })).Message, StringComparison.Ordinal);

        File.Copy(Path.Combine(Fixtures.HfModel, "model.onnx"), Path.Combine(empty, "model.onnx"));
        Assert.Contains("tokenizer.json nor vocab.txt", Assert.Throws<FileNotFoundException>(() => new GroundingDinoDetector(new GroundingDinoOptions { ModelPath = empty })).Message, StringComparison.Ordinal);

        File.Copy(Path.Combine(Fixtures.HfModel, "vocab.txt"), Path.Combine(empty, "vocab.txt"));
        File.WriteAllBytes(Path.Combine(empty, "model.onnx"), [0x08, 0xFF, 0xFF, 0x01, 0x02]);
        var garbage = Assert.Throws<InvalidDataException>(() => new GroundingDinoDetector(new GroundingDinoOptions { ModelPath = empty }));
        Assert.Contains("model.onnx", garbage.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Onnx_file_path_finds_its_tokenizer_beside_it()
    {
        using var detector = new GroundingDinoDetector(new GroundingDinoOptions { ModelPath = Path.Combine(Fixtures.IdeaModel, "groundingdino_swint_ogc.onnx") });
        Assert.Equal(GroundingDinoExportFormat.IdeaResearch, detector.ExportFormat);
    }

    [Fact]
    public void Missing_cuda_libraries_fall_back_to_the_cpu_with_a_warning_or_fail_when_required()
    {
        var logger = new ListLogger<GroundingDinoDetector>();
        using var detector = new GroundingDinoDetector(new GroundingDinoOptions { ModelPath = Fixtures.HfModel, ExecutionProvider = GroundingDinoExecutionProvider.Cuda }, logger);
        if (detector.ExecutionProvider == GroundingDinoExecutionProvider.Cuda)
        {
            return; // a machine with a working CUDA stack: nothing to fall back from
        }

        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Cuda execution provider", StringComparison.Ordinal) && e.Message.Contains("Falling back to the CPU", StringComparison.Ordinal));
        var e = Assert.Throws<InvalidOperationException>(() => new GroundingDinoDetector(new GroundingDinoOptions
        {
            ModelPath = Fixtures.HfModel,
            ExecutionProvider = GroundingDinoExecutionProvider.TensorRT,
            RequireExecutionProvider = true,
        }));
        Assert.Contains("TensorRT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registers_through_the_ViGoR_builder()
    {
        var services = new ServiceCollection();
        services.AddViGoR().UseGroundingDinoOnnx(Fixtures.HfModel, o => o.MaxBatchSize = 2);
        await using (var provider = services.BuildServiceProvider())
        {
            var detector = Assert.IsType<GroundingDinoDetector>(provider.GetRequiredService<IGroundingDetector>());
            Assert.Same(detector, provider.GetRequiredService<IGroundingDetector>());
            Assert.NotEmpty(await detector.DetectAsync(Fixtures.Image(64, 48), ["cat"]));
        }
    }
}
