using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ViGoR.Core.Tests.Fakes;

namespace ViGoR.Core.Tests.Rewards;

/// <summary>The VQA self-check: one class and one registration, its answers journalled as evidence.</summary>
public sealed class VqaSelfCheckStreamTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-vqa-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Says yes (0.9) to what is in the image and no (0.2) to the rest; records each call's questions.</summary>
    private sealed class FakeAnswerer(IReadOnlySet<string> present) : IVisualQuestionAnswerer
    {
        public List<IReadOnlyList<string>> Calls { get; } = [];

        public Task<IReadOnlyList<double>> ProbabilityOfYesAsync(ImageInput image, IReadOnlyList<string> questions, CancellationToken cancellationToken = default)
        {
            Calls.Add(questions);
            return Task.FromResult<IReadOnlyList<double>>(questions.Select(q => present.Any(p => q == $"Is there a {p} in the image?") ? 0.9 : 0.2).ToList());
        }
    }

    [Fact]
    public async Task Registered_with_one_call_it_asks_once_per_image_ranks_the_samples_and_journals_its_answers()
    {
        var answerer = new FakeAnswerer(new HashSet<string> { "dog", "bench" });
        var services = new ServiceCollection();
        services.AddViGoR(o =>
            {
                o.RewardSources = RewardSources.None;
                o.Sampling.NumSamples = 3;
            })
            .UseVisionLanguageModel(new FakeVisionLanguageModel((_, _) => ["A dog sits on a bench. A cat sleeps.", "A dog sits on a bench.", "Two cats play."]))
            .UseNounExtractor(new FakeNounExtractor())
            .AddVqaSelfCheckStream(_ => answerer);
        await using var provider = services.BuildServiceProvider();
        var trainer = provider.GetRequiredService<RejectionSamplingTrainer>();

        var records = await trainer.GenerateSupervisionAsync([new TrainingItem(ImageInput.FromPixels(new RgbImage("img1", 1, 1, [0, 0, 0])), "Describe.")], _folder);

        Assert.Equal(["Is there a dog in the image?", "Is there a bench in the image?", "Is there a cat in the image?"], Assert.Single(answerer.Calls));
        var record = Assert.Single(records);
        Assert.Equal(1, record.Chosen); // the only sample without the absent cat
        Assert.Equal(new StreamTotals(1, 2), record.Samples[0].Streams[VqaSelfCheckStream.StreamName]);
        var scores = await File.ReadAllLinesAsync(Path.Combine(_folder, "scores.jsonl"));
        Assert.Contains("\"evidence\":{\"answers\":{\"cat\":0.2},\"questions\":{\"cat\":\"Is there a cat in the image?\"}}", scores[1], StringComparison.Ordinal); // as the stream wrote it
        var (header, journalled) = SupervisionJournal.ReadAll(Path.Combine(_folder, "scores.jsonl"));
        Assert.Equal("Is there a {0} in the image?", header!.Settings["vqa.question"]);
        var evidence = journalled[0].Samples[0].Sentences[0].Signals[VqaSelfCheckStream.StreamName].Evidence!;
        Assert.Equal(0.9, evidence["answers"].GetProperty("dog").GetDouble());
        Assert.Equal(0.9, evidence["answers"].GetProperty("bench").GetDouble());
    }

    [Fact]
    public void A_template_without_a_place_for_the_object_is_refused() =>
        Assert.Throws<ArgumentException>(() => new VqaSelfCheckStream(new FakeAnswerer(new HashSet<string>()), new VqaSelfCheckOptions { QuestionTemplate = "Is it there?" }));
}
