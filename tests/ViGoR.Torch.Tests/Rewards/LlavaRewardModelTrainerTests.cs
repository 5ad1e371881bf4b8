using System.Text.Json;
using ViGoR.Torch.Rewards;

namespace ViGoR.Torch.Tests.Rewards;

/// <summary>The reward-model trainer on the tiny LLaVA: what it writes, what it measures on, and that it refuses an overlapping split.</summary>
public sealed class LlavaRewardModelTrainerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-rm-trainer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static AnnotatedDescription Described(string id, string image, params (string Text, SentenceErrorKind[] Errors)[] sentences)
    {
        var text = string.Join(" ", sentences.Select(s => s.Text));
        var (start, spans) = (0, new List<AnnotatedSentence>());
        foreach (var (sentence, errors) in sentences)
        {
            spans.Add(new AnnotatedSentence(start, start + sentence.Length, errors, false));
            start += sentence.Length + 1;
        }

        return new AnnotatedDescription(id, image, "Describe the image.", text, spans);
    }

    private static readonly AnnotatedDescription[] Train =
    [
        Described("t0", "image0.png", ("A red square.", []), ("A cat sleeps.", [SentenceErrorKind.ObjectHallucination])),
        Described("t1", "image0.png", ("A blue circle.", []), ("It is purple.", [SentenceErrorKind.Attribute]), ("A dog runs.", [SentenceErrorKind.ObjectHallucination])),
    ];

    private static readonly AnnotatedDescription[] HeldOut = [Described("h0", "image1.png", ("A green square.", []), ("A kite flies.", [SentenceErrorKind.ObjectHallucination]))];

    private LlavaRewardModelTrainerOptions Options(bool holistic = false) => new()
    {
        OutputDirectory = Path.Combine(_folder, holistic ? "holistic" : "fine"),
        ImagesDirectory = TinyLlava.Root,
        Holistic = holistic,
        Epochs = 1,
        BatchSize = 2,
        MicroBatchSize = 2,
        LearningRate = 1e-4,
    };

    [Fact]
    public async Task It_trains_one_example_per_sentence_writes_the_model_and_measures_it_on_the_held_out_descriptions_only()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var options = Options();
        var measured = new List<string>();
        var trainer = new LlavaRewardModelTrainer(model, options, async (judge, heldOut, ct) =>
        {
            measured.AddRange(heldOut.Select(d => d.Id));
            var judged = await judge.JudgeAsync(ImageInput.FromFile(TinyLlava.Image(1), "image1.png"), heldOut[0].Prompt, heldOut[0].ToParsedText(), ct);
            return new { sentences = judged.Count };
        });

        var result = await trainer.TrainAsync(Train, HeldOut);

        Assert.Equal((2, 1, 5), (result.TrainDescriptions, result.EvalDescriptions, result.TrainExamples));
        Assert.Equal(3, result.FineTuning.Steps); // 5 examples, 2 a step
        Assert.Equal(["h0"], measured);
        Assert.Equal("""{"sentences":2}""", JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(options.OutputDirectory, "metrics.json"))).RootElement.GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));
        Assert.Equal("""{"eval_images":["image1.png"]}""", await File.ReadAllTextAsync(Path.Combine(options.OutputDirectory, "split.json")));
        using var loaded = LlavaSentenceRewardModel.Load(options.OutputDirectory);
        Assert.False(loaded.IsHolistic);

        // A finished run is restored from its checkpoints, not repeated.
        using var again = TinyLlava.Load(TinyLlava.HuggingFace);
        var resumed = await new LlavaRewardModelTrainer(again, options).TrainAsync(Train, HeldOut);
        Assert.Equal(3, resumed.FineTuning.ResumedFromStep);
        Assert.Null(resumed.Metrics);
    }

    [Fact]
    public async Task A_holistic_model_gets_one_example_per_description_and_without_held_out_descriptions_a_share_of_the_images_is_held_out()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var options = Options(holistic: true);
        options.EvalFraction = 0.5;
        IReadOnlyList<AnnotatedDescription>? measured = null;

        var result = await new LlavaRewardModelTrainer(model, options, (_, heldOut, _) => Task.FromResult<object>(measured = heldOut)).TrainAsync([.. Train, .. HeldOut]);

        Assert.Equal(result.TrainDescriptions, result.TrainExamples); // one example per description
        var heldOutImages = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(options.OutputDirectory, "split.json"))).RootElement.GetProperty("eval_images").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(measured!.Select(d => d.Image).Distinct(), heldOutImages);
        Assert.Single(heldOutImages); // two images, half held out
        Assert.Equal(3, result.TrainDescriptions + measured!.Count);
        using var loaded = LlavaSentenceRewardModel.Load(options.OutputDirectory);
        Assert.True(loaded.IsHolistic);
    }

    [Fact]
    public async Task An_image_on_both_sides_or_bad_options_are_refused_before_anything_is_written()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var options = Options();

        var overlap = await Assert.ThrowsAsync<InvalidDataException>(() => new LlavaRewardModelTrainer(model, options).TrainAsync(Train, [Described("h1", "image0.png", ("A red square.", []))]));

        Assert.Contains("image0.png", overlap.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(options.OutputDirectory));
        Assert.Throws<ArgumentException>(() => new LlavaRewardModelTrainer(model, new LlavaRewardModelTrainerOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LlavaRewardModelTrainer(model, new LlavaRewardModelTrainerOptions { OutputDirectory = _folder, BatchSize = 3, MicroBatchSize = 2 }));
    }
}
