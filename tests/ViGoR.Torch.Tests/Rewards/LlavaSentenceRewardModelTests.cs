using Microsoft.Extensions.DependencyInjection;
using ViGoR.Torch.Rewards;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Rewards;

public sealed class LlavaSentenceRewardModelTests
{
    private static readonly ParsedText Description = new(
        "A red square is in the middle. A cat sleeps next to it.",
        [
            new ParsedSentence(0, 0, 30, "A red square is in the middle.", []),
            new ParsedSentence(1, 31, 55, "A cat sleeps next to it.", []),
        ]);

    [Theory]
    [InlineData("1", 1.0)]
    [InlineData(" -3 ", -3.0)]
    [InlineData("-1.", -1.0)]
    [InlineData("0.5", 0.5)]
    [InlineData("+2", 2.0)]
    [InlineData("1 2", null)]
    [InlineData("The answer is 1", null)]
    [InlineData("", null)]
    [InlineData("1e3", null)]
    [InlineData("-", null)]
    public void RepliesAreReadStrictly(string reply, double? expected) =>
        Assert.Equal(expected, LlavaSentenceRewardModel.ParseReply(reply));

    [Fact]
    public void DefaultSchemeGivesEveryErrorKindTheSamePenaltyAndNamesIt()
    {
        var scheme = RewardLabelScheme.Default;
        Assert.Equal(new SentenceJudgement(1), scheme.Interpret(1));
        Assert.Equal(new SentenceJudgement(-1, SentenceErrorKind.Attribute), scheme.Interpret(-2));
        Assert.Equal(new SentenceJudgement(-1, SentenceErrorKind.UnreasonableConjecture), scheme.Interpret(-5));
        Assert.Equal(new SentenceJudgement(0.25), scheme.Interpret(0.25));
        Assert.Equal(new SentenceJudgement(-7), scheme.Interpret(-7));
        Assert.Equal("-3", scheme.LabelFor(SentenceErrorKind.Relationship));
        Assert.Equal("1", scheme.LabelFor(SentenceErrorKind.None));
    }

    [Fact]
    public void TrainingExamplesUseThePapersQuestionWithTheTextUpToEachSentence()
    {
        var image = ImageInput.FromFile(TinyLlava.Image(0));
        var examples = LlavaSentenceRewardModel.CreateTrainingExamples(new LlavaRewardModelOptions(), image, "Describe.", Description, [SentenceErrorKind.None, SentenceErrorKind.ObjectHallucination]);

        Assert.Equal(2, examples.Count);
        Assert.Equal(LlavaRewardModelOptions.PaperInstruction + "\nA red square is in the middle.", examples[0].Prompt);
        Assert.Equal(LlavaRewardModelOptions.PaperInstruction + "\nA red square is in the middle. A cat sleeps next to it.", examples[1].Prompt);
        Assert.Equal(["1", "-1"], examples.Select(e => e.Target));
        Assert.Throws<ArgumentException>(() => LlavaSentenceRewardModel.CreateTrainingExamples(new LlavaRewardModelOptions(), image, "Describe.", Description, [SentenceErrorKind.None]));
    }

    [Fact]
    public async Task ARewardModelTrainedOnLabelledSentencesJudgesThem()
    {
        // Train the tiny LLaVA into a reward model with this library's own fine-tuner, then ask it.
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var image = ImageInput.FromFile(TinyLlava.Image(0));
        var examples = LlavaSentenceRewardModel.CreateTrainingExamples(new LlavaRewardModelOptions(), image, "Describe.", Description, [SentenceErrorKind.None, SentenceErrorKind.ObjectHallucination]);
        await model.FineTuneAsync(examples, new FineTuningOptions { LearningRate = 1e-2, Epochs = 40, BatchSize = 2, WarmupRatio = 0, Seed = 1 });

        using var reward = new LlavaSentenceRewardModel(model);
        var judgements = await reward.JudgeAsync(image, "Describe.", Description);

        Assert.Equal([new SentenceJudgement(1), new SentenceJudgement(-1, SentenceErrorKind.ObjectHallucination)], judgements);

        // Batched judging (both sentences in one left-padded batch) equals one sentence at a time, on real scores.
        using var oneByOne = new LlavaSentenceRewardModel(model, new LlavaRewardModelOptions { MaxBatchSize = 1 });
        Assert.Equal(judgements, await oneByOne.JudgeAsync(image, "Describe.", Description));
    }

    [Fact]
    public async Task AnUnreadableReplyIsANeutralMarkedJudgementOrThrowsWithTheReply()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace); // random weights: replies are not numbers
        var image = ImageInput.FromFile(TinyLlava.Image(1));
        using var lenient = new LlavaSentenceRewardModel(model);
        var judgements = await lenient.JudgeAsync(image, "Describe.", Description);
        Assert.Equal(2, judgements.Count);
        Assert.All(judgements, j => Assert.Equal(SentenceJudgement.UnreadableReply(), j));
        Assert.All(judgements, j => Assert.True(j.Unreadable));

        using var strict = new LlavaSentenceRewardModel(model, new LlavaRewardModelOptions { OnUnreadable = UnreadableReplyPolicy.Error });
        var error = await Assert.ThrowsAsync<RewardModelReplyException>(() => strict.JudgeAsync(image, "Describe.", Description));
        Assert.Equal(TinyLlava.Image(1).Split('/')[^1], error.ImageId);
        Assert.Contains(error.Reply, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchedRepliesEqualOneSentenceAtATime()
    {
        // The random model's raw replies: real token sequences, where padding or batching mistakes show.
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var options = new LlavaRewardModelOptions { MaxNewTokens = 6 };
        var image = ImageInput.FromFile(TinyLlava.Image(0));
        using var batched = new LlavaSentenceRewardModel(model, options);
        var together = await batched.ReplyAsync(image, "Describe.", Description, CancellationToken.None);
        var single = options.Clone();
        single.MaxBatchSize = 1;
        using var oneByOne = new LlavaSentenceRewardModel(model, single);
        var apart = await oneByOne.ReplyAsync(image, "Describe.", Description, CancellationToken.None);
        Assert.Equal(2, together.Count);
        Assert.All(together, r => Assert.False(string.IsNullOrWhiteSpace(r)));
        Assert.Equal(apart, together);
    }

    [Fact]
    public void UseLlavaRewardModelRegistersASingletonThatLoadsTheCheckpoint()
    {
        var services = new ServiceCollection();
        services.AddViGoR().UseLlavaRewardModel(TinyLlava.HuggingFace, new LlavaModelOptions { Device = CPU, DType = ScalarType.Float32 });
        var reward = services.Single(d => d.ServiceType == typeof(ISentenceRewardModel) && !d.IsKeyedService); // the model inside its Use wrappers
        var concrete = services.Single(d => d.ServiceType == typeof(LlavaSentenceRewardModel));
        Assert.Equal(ServiceLifetime.Singleton, reward.Lifetime);
        Assert.Equal(ServiceLifetime.Singleton, concrete.Lifetime);

        using var loaded = (LlavaSentenceRewardModel)concrete.ImplementationFactory!(new EmptyProvider());
        Assert.Equal(TinyLlava.HuggingFace, loaded.Model.Directory);
    }

    private sealed class EmptyProvider : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
