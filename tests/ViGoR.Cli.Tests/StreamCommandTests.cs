using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ViGoR.Cli.Commands;
using ViGoR.ShapesWorld;

namespace ViGoR.Cli.Tests;

/// <summary><c>vigor run --stream</c>: streams by name through the factories in DI, a plug-in's included.</summary>
public sealed class StreamCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-cli-streams-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A test-only third stream: penalises and drops sentences with its word, with where it was found as evidence.</summary>
    private sealed class WordStream(string word) : IRewardStream
    {
        public const string StreamName = "no_word";

        public string Name => StreamName;

        public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string> { ["word"] = word };

        public Task<IReadOnlyList<StreamScore>> ScoreAsync(RewardStreamInput input, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<StreamScore>>(input.Samples
                .Select(sample => StreamScore.Sum(sample.Sentences
                    .Select(s => s.Text.Contains(word, StringComparison.OrdinalIgnoreCase)
                        ? new SentenceSignal
                        {
                            Penalty = 1,
                            Drop = [$"says {word}"],
                            Evidence = new Dictionary<string, JsonElement> { ["at"] = JsonSerializer.SerializeToElement(s.Text.IndexOf(word, StringComparison.OrdinalIgnoreCase)) },
                        }
                        : null)
                    .ToList()))
                .ToList());

        public static readonly IRewardStreamFactory Factory = new RewardStreamFactory(
            "no-word",
            new Dictionary<string, string> { ["word"] = "the word to drop (default couch)" },
            (_, settings) => new WordStream(settings.GetValueOrDefault("word", "couch")));
    }

    private static Action<ViGoRBuilder> PlugIn => builder => builder.AddRewardStreamFactory(WordStream.Factory);

    [Fact]
    public async Task A_plug_in_stream_runs_by_name_through_vigor_run_as_through_the_library_with_its_evidence_journalled()
    {
        var cli = Path.Combine(_folder, "cli");
        Assert.Equal(0, await RecordedCoco.RunAsync(args => VigorApp.Create(PlugIn).RunAsync(args), cli, "--stream", "automatic:box_threshold=0.3", "--stream", "no-word:word=couch"));

        var (header, records) = SupervisionJournal.ReadAll(Path.Combine(cli, "round-0", "supervision.jsonl"));
        Assert.Equal("automatic,no_word", header!.Settings["streams"]);
        Assert.Equal("couch", header.Settings["no_word.word"]);
        Assert.Equal("0.3", header.Settings["automatic.box_threshold"]);
        var signals = records.SelectMany(r => r.Samples).SelectMany(s => s.Sentences).Where(s => s.Signals.ContainsKey(WordStream.StreamName)).ToList();
        Assert.NotEmpty(signals);
        Assert.All(signals, s => Assert.Equal(s.Text.IndexOf("couch", StringComparison.OrdinalIgnoreCase), s.Signals[WordStream.StreamName].Evidence!["at"].GetInt32()));
        var dropped = records.SelectMany(r => r.Dropped).Where(d => d.Reasons.ContainsKey(WordStream.StreamName)).ToList();
        Assert.All(dropped, d => Assert.Equal(["says couch"], d.Reasons[WordStream.StreamName]));
        Assert.All(records.Where(r => r.Target is not null), r => Assert.DoesNotContain("couch", r.Target!, StringComparison.OrdinalIgnoreCase));

        // The library, with the same stream asked for by the same name, writes the same journal.
        var library = Path.Combine(_folder, "library");
        var services = new ServiceCollection();
        services.AddViGoR()
            .UseVisionLanguageModel(RecordedVisionLanguageModel.Load(RecordedCoco.Samples(cli)))
            .UseWordNetNounExtractor()
            .UseAnnotationGroundingDetector(RecordedCoco.Boxes(cli))
            .AddRewardStreamFactory(WordStream.Factory)
            .AddRewardStream(RewardStreamSpec.Parse("automatic:box_threshold=0.3"))
            .AddRewardStream(RewardStreamSpec.Parse("no-word:word=couch"));
        await using var provider = services.BuildServiceProvider();
        var items = TrainingDataset.ReadJsonLines(RecordedCoco.Samples(cli), null, "Describe this image in detail.")
            .Select(i => new TrainingItem(ImageInput.FromId(i.Id), i.Prompt)).ToList();
        await provider.GetRequiredService<RejectionSamplingTrainer>().GenerateSupervisionAsync(items, library);
        Assert.Equal(
            File.ReadLines(Path.Combine(cli, "round-0", "scores.jsonl")).Skip(1),
            File.ReadLines(Path.Combine(library, "scores.jsonl")).Skip(1));
    }

    [Fact]
    public void The_summary_names_each_stream_that_dropped_and_counts_its_drops()
    {
        static DroppedSentence Drop(params string[] streams) =>
            new(0, "x", streams.ToDictionary(s => s, s => (IReadOnlyList<string>)[s + " reason"]));
        var records = new[]
        {
            new SupervisionRecord { ImageId = "a", Prompt = "p", Status = SupervisionStatus.Ok, Dropped = [Drop("automatic"), Drop("automatic", WordStream.StreamName)] },
            new SupervisionRecord { ImageId = "b", Prompt = "p", Status = SupervisionStatus.NoTarget, Dropped = [Drop("vqa")] },
        };

        Assert.Equal("automatic 2, no_word 1, vqa 1", ViGoR.Cli.Pipeline.SupervisionTable.DropsByStream(records));
        Assert.Equal("automatic: automatic reason; no_word: no_word reason", records[0].Dropped[1].DescribeReasons());
    }

    [Theory]
    [InlineData("clip", "--stream clip: Unknown reward stream 'clip' in 'clip'; known streams: automatic, no-word, reward_model, vqa. A plug-in's stream needs --plugin FILE.dll (an assembly with an IViGoRPlugin).")]
    [InlineData("no-word:colour=red", "--stream no-word:colour=red: Unknown setting 'colour' for reward stream 'no-word' in 'no-word:colour=red'; known keys: word (the word to drop (default couch)).")]
    [InlineData("automatic:box_threshold=high", "--stream automatic:box_threshold=high: Reward stream 'automatic:box_threshold=high': box_threshold=high: expected a number.")]
    public async Task A_stream_asked_for_wrongly_is_an_error_naming_the_flag_value_and_what_is_known(string value, string message)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => RecordedCoco.RunAsync(args => VigorApp.Create(PlugIn).RunAsync(args), _folder, "--stream", value));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task Stream_and_sources_together_or_a_malformed_stream_are_refused_before_anything_runs()
    {
        var (exit, output, _) = await VigorProcess.RunAsync(["run", "--samples", "x.jsonl", "--stream", "automatic", "--sources", "both"]);
        Assert.NotEqual(0, exit);
        Assert.Contains("Give --stream or --sources, not both", output, StringComparison.Ordinal);

        (exit, output, _) = await VigorProcess.RunAsync(["run", "--samples", "x.jsonl", "--stream", "automatic:box_threshold"]);
        Assert.NotEqual(0, exit);
        Assert.Contains("--stream automatic:box_threshold: 'box_threshold' in", output, StringComparison.Ordinal); // the console wraps the rest
        Assert.Contains("is not key=value.", output, StringComparison.Ordinal);

        (exit, output, _) = await VigorProcess.RunAsync(["run", "--samples", "x.jsonl", "--stream", "clip", "--work", Path.Combine(_folder, "w")]);
        Assert.Equal(1, exit);
        Assert.Contains("--stream clip: Unknown reward stream 'clip' in 'clip'; known", output, StringComparison.Ordinal);
        Assert.Contains("automatic, reward_model, vqa.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Vigor_run_with_the_vqa_stream_asks_the_sampled_LLaVA_and_journals_its_question_and_answer()
    {
        // Two ShapesWorld scenes described by the committed tiny LLaVA, which then checks its own claims.
        var images = Path.Combine(_folder, "images");
        Directory.CreateDirectory(images);
        var data = Path.Combine(_folder, "data.jsonl");
        var lines = new List<string>();
        foreach (var scene in Enumerable.Range(0, 2).Select(i => ShapesWorldGenerator.Generate(seed: 3, i)))
        {
            await File.WriteAllBytesAsync(Path.Combine(images, scene.FileName), scene.Image.EncodePng());
            lines.Add(JsonSerializer.Serialize(new { id = scene.Id, image = scene.FileName, prompt = ShapesWorldCorpus.DescribePrompt }));
        }

        await File.WriteAllLinesAsync(data, lines);
        var work = Path.Combine(_folder, "vqa");

        var (exit, output, error) = await VigorProcess.RunAsync([
            "run", "--data", data, "--images", images, "--model", DemoCommand.CommittedModel, "--stream", "vqa",
            "-k", "2", "--max-new-tokens", "40", "--supervision-only", "--work", work]);

        Assert.True(exit == 0, output + error);
        Assert.Contains("rewards: vqa", output, StringComparison.Ordinal);
        var (header, records) = SupervisionJournal.ReadAll(Path.Combine(work, "round-0", "scores.jsonl"));
        Assert.Equal("vqa", header!.Settings["streams"]);
        Assert.StartsWith("llava-vqa:", header.Settings["vqa.answerer"], StringComparison.Ordinal);
        Assert.Equal("Is there a {0} in the image?", header.Settings["vqa.question"]);
        var answered = records.SelectMany(r => r.Samples).SelectMany(s => s.Sentences).Where(s => s.Signals.ContainsKey("vqa")).ToList();
        Assert.NotEmpty(answered);
        foreach (var sentence in answered)
        {
            var signal = sentence.Signals["vqa"];
            var answers = signal.Evidence!["answers"].EnumerateObject().ToList();
            Assert.NotEmpty(answers);
            Assert.All(answers, a => Assert.InRange(a.Value.GetDouble(), 0, 1));
            Assert.All(answers, a => Assert.Contains(sentence.Nouns, n => n.Lemma == a.Name)); // asked about the sentence's own objects
            Assert.Equal(answers.Count(a => a.Value.GetDouble() < 0.5), signal.Penalty);
            Assert.All(answers, a => Assert.Equal($"Is there a {a.Name} in the image?", signal.Evidence["questions"].GetProperty(a.Name).GetString()));
        }
    }
}
