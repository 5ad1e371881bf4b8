using ViGoR.Torch.Rewards;
using ViGoR.Torch.Tokenization;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Rewards;

/// <summary>A tiny LLaVA trained once, with this library's fine-tuner, into a reward model on the categorical scheme.</summary>
public sealed class CategoricalRewardModelFixture : IDisposable
{
    public CategoricalRewardModelFixture()
    {
        Model = TinyLlava.Load(TinyLlava.HuggingFace);
        var options = new LlavaRewardModelOptions { Labels = RewardLabelScheme.Categorical };
        var examples = LlavaSentenceRewardModel.CreateTrainingExamples(options, Image, "Describe.", FirstTokenScoringTests.Short, FirstTokenScoringTests.ShortLabels, [true, false])
            .Concat(LlavaSentenceRewardModel.CreateTrainingExamples(options, Image, "Describe.", FirstTokenScoringTests.Long, FirstTokenScoringTests.LongLabels))
            .ToList();
        Model.FineTuneAsync(examples, new FineTuningOptions { LearningRate = 1e-2, Epochs = 40, BatchSize = examples.Count, WarmupRatio = 0, Seed = 1 }).GetAwaiter().GetResult();
    }

    public LlavaVisionLanguageModel Model { get; }

    public ImageInput Image { get; } = ImageInput.FromFile(TinyLlava.Image(0));

    public void Dispose() => Model.Dispose();
}

public sealed class FirstTokenScoringTests(CategoricalRewardModelFixture trained) : IClassFixture<CategoricalRewardModelFixture>
{
    internal static readonly ParsedText Short = Parse("A red square is in the middle. A cat sleeps next to it.", "A red square is in the middle.", "A cat sleeps next to it.");

    internal static readonly IReadOnlyList<SentenceErrorKind> ShortLabels = [SentenceErrorKind.None, SentenceErrorKind.ObjectHallucination];

    // Newlines and doubled spaces between sentences: boundaries where tokenizing the cut and the whole text may differ.
    internal static readonly ParsedText Long = Parse(
        "The square is red.\nIt sits on a blue floor.  A dog watches it.\n\nThe dog is green.",
        "The square is red.", "It sits on a blue floor.", "A dog watches it.", "The dog is green.");

    internal static readonly IReadOnlyList<SentenceErrorKind> LongLabels = [SentenceErrorKind.None, SentenceErrorKind.Location, SentenceErrorKind.None, SentenceErrorKind.Attribute];

    private static LlavaRewardModelOptions Categorical(RewardScoring? scoring = null, bool? holistic = null) =>
        new() { Labels = RewardLabelScheme.Categorical, Scoring = scoring, Holistic = holistic };

    [Fact]
    public async Task OnePassLabelLogitsEqualAFullForwardPerSentence()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace); // random weights: logits differ per sentence
        using var reward = new LlavaSentenceRewardModel(model, Categorical());
        Assert.Equal(RewardScoring.FirstToken, reward.Scoring);
        var image = ImageInput.FromFile(TinyLlava.Image(1));
        foreach (var description in new[] { Short, Long })
        {
            var questions = reward.SentenceQuestions("Describe.", description);
            var onePass = await reward.LabelScoresAsync(image, questions, onePass: true, CancellationToken.None);
            var apart = await reward.LabelScoresAsync(image, questions, onePass: false, CancellationToken.None);
            Assert.Equal(description.Sentences.Count, onePass.LabelLogits.Length);
            for (int i = 0; i < questions.Count; i++)
            {
                Assert.Equal(7, onePass.LabelLogits[i].Length);
                for (int j = 0; j < 7; j++)
                {
                    Assert.Equal(apart.LabelLogits[i][j], onePass.LabelLogits[i][j], 1e-4);
                }
            }

            Assert.NotEqual(apart.LabelLogits[0], apart.LabelLogits[^1]);
        }
    }

    [Fact]
    public async Task JudgingAnImagesSamplesTogetherEqualsJudgingEachAlone()
    {
        using var reward = new LlavaSentenceRewardModel(trained.Model, Categorical());
        var empty = new ParsedText(string.Empty, []);
        var batch = await reward.JudgeBatchAsync([.. new[] { Long, empty, Short, Long }.Select(d => new SentenceRewardRequest(trained.Image, "Describe.", d))]);

        Assert.Equal([4, 0, 2, 4], batch.Select(b => b.Count));
        var alone = new[] { await reward.JudgeAsync(trained.Image, "Describe.", Long), [], await reward.JudgeAsync(trained.Image, "Describe.", Short), await reward.JudgeAsync(trained.Image, "Describe.", Long) };
        for (int d = 0; d < alone.Length; d++)
        {
            for (int i = 0; i < alone[d].Count; i++)
            {
                Assert.Equal(alone[d][i].Error, batch[d][i].Error);
                Assert.Equal(alone[d][i].Score, batch[d][i].Score, 1e-4);
                Assert.Equal(alone[d][i].ErrorProbability!.Value, batch[d][i].ErrorProbability!.Value, 1e-4);
            }
        }

        Assert.NotEqual(batch[0][0].ErrorProbability, batch[0][3].ErrorProbability);
    }

    [Fact]
    public async Task JudgingSeveralImagesInOnePassEqualsJudgingEachImageAlone()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace); // random weights: judgements differ per image and sentence
        using var reward = new LlavaSentenceRewardModel(model, new LlavaRewardModelOptions { Labels = RewardLabelScheme.Categorical, MaxImagesPerPass = 2 });
        var first = ImageInput.FromFile(TinyLlava.Image(0));
        var second = ImageInput.FromFile(TinyLlava.Image(1));
        var third = ImageInput.FromFile(TinyLlava.Image(1), "image1-again");
        var empty = new ParsedText(string.Empty, []);
        SentenceRewardRequest[] requests =
        [
            new(second, "Describe.", Long),
            new(first, "Describe.", Short),
            new(second, "Describe.", empty),
            new(second, "Describe.", Short),
            new(third, "Describe.", Short),
            new(first, "Describe.", Long),
        ];

        var forwards = model.Module.VisionTowerForwards;
        var batch = await reward.JudgeBatchAsync(requests);

        // Three images, two to a pass: one vision-tower forward per pass.
        Assert.Equal(2, model.Module.VisionTowerForwards - forwards);
        Assert.Equal([4, 2, 0, 2, 2, 4], batch.Select(b => b.Count));
        for (int r = 0; r < requests.Length; r++)
        {
            var alone = await reward.JudgeAsync(requests[r].Image, requests[r].Prompt, requests[r].Description);
            Assert.Equal(alone.Count, batch[r].Count);
            for (int i = 0; i < alone.Count; i++)
            {
                Assert.Equal(alone[i].Error, batch[r][i].Error);
                Assert.Equal(alone[i].Score, batch[r][i].Score, 1e-4);
                Assert.Equal(alone[i].ErrorProbability!.Value, batch[r][i].ErrorProbability!.Value, 1e-4);
            }
        }

        // The images are told apart: the same description gets other judgements about another image.
        Assert.True(Math.Abs(batch[1][1].ErrorProbability!.Value - batch[3][1].ErrorProbability!.Value) > 1e-3);
    }

    [Fact]
    public async Task FirstTokenAndDecodingAgreeOnATrainedCategoricalRewardModel()
    {
        using var firstToken = new LlavaSentenceRewardModel(trained.Model, Categorical());
        using var decode = new LlavaSentenceRewardModel(trained.Model, Categorical(RewardScoring.Decode));
        foreach (var (description, labels, expectedScores) in new[] { (Short, ShortLabels, new[] { 2.0, -1 }), (Long, LongLabels, [1.0, -1, 1, -1]) })
        {
            var byToken = await firstToken.JudgeAsync(trained.Image, "Describe.", description);
            var decoded = await decode.JudgeAsync(trained.Image, "Describe.", description);
            var scores = await firstToken.LabelScoresAsync(trained.Image, firstToken.SentenceQuestions("Describe.", description), onePass: true, CancellationToken.None);

            // The model learned its labels, so both readings are meaningful.
            Assert.Equal(labels, decoded.Select(j => j.Error));
            Assert.Equal(expectedScores, decoded.Select(j => j.Score));
            for (int i = 0; i < description.Sentences.Count; i++)
            {
                Assert.Equal(decoded[i].Error, byToken[i].Error);
                Assert.Equal(RewardLabelScheme.Categorical.Labels[scores.Best(i)].Judgement.Score, decoded[i].Score);
                Assert.Null(decoded[i].ErrorProbability);
                Assert.InRange(byToken[i].ErrorProbability!.Value, 0, 1);
                Assert.Equal(labels[i] != SentenceErrorKind.None, byToken[i].ErrorProbability > 0.5);
                Assert.InRange(byToken[i].Score, -1, 2);
            }
        }
    }

    [Fact]
    public void TrainingExamplesTokenizeToTheIdsTheScorerReads()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        using var reward = new LlavaSentenceRewardModel(model, Categorical());
        var tokens = reward.LabelTokens!;
        Assert.NotEmpty(tokens.Lead); // LLaMA-style "▁" before the digit
        var examples = reward.CreateTrainingExamples(trained.Image, "Describe.", Long, LongLabels);
        var questions = reward.SentenceQuestions("Describe.", Long);
        for (int i = 0; i < examples.Count; i++)
        {
            var (ids, _) = model.Tokenizer.EncodeForTraining(ConversationTemplate.Format(model.ConversationMode, examples[i].Prompt), examples[i].Target);
            int label = RewardLabelScheme.Categorical.Labels.ToList().FindIndex(l => l.Label == examples[i].Target);
            long[] scored = [.. questions[i], .. tokens.Lead, tokens.First[label]];
            Assert.Equal(scored, ids[..scored.Length]);
        }
    }

    [Fact]
    public async Task TheVisionTowerRunsOncePerImageAcrossItsSamples()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var image = ImageInput.FromFile(TinyLlava.Image(0));
        var other = ImageInput.FromFile(TinyLlava.Image(1));
        foreach (var scoring in new[] { RewardScoring.FirstToken, RewardScoring.Decode })
        {
            using var reward = new LlavaSentenceRewardModel(model, Categorical(scoring));
            long before = model.Module.VisionTowerForwards;
            var first = await reward.JudgeAsync(image, "Describe.", Short);
            await reward.JudgeAsync(image, "Describe.", Long);
            var again = await reward.JudgeAsync(image, "Describe.", Short);
            Assert.Equal(before + 1, model.Module.VisionTowerForwards);
            Assert.Equal(first, again);

            await reward.JudgeAsync(other, "Describe.", Short);
            Assert.Equal(before + 2, model.Module.VisionTowerForwards);

            // Cached features give what a fresh instance computes.
            using var fresh = new LlavaSentenceRewardModel(model, Categorical(scoring));
            Assert.Equal(await fresh.JudgeAsync(other, "Describe.", Long), await reward.JudgeAsync(other, "Describe.", Long));
        }
    }

    [Fact]
    public async Task AHolisticModelJudgesTheWholeDescriptionFromItsFirstToken()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        using var holistic = new LlavaSentenceRewardModel(model, Categorical(holistic: true));
        Assert.True(holistic.IsHolistic);
        Assert.Equal(LlavaRewardModelOptions.HolisticInstruction + "\n{description}", holistic.PromptTemplate);
        Assert.Equal(LlavaRewardModelOptions.HolisticInstruction + "\n" + Long.Text, holistic.BuildDescriptionPrompt("Describe.", Long));

        var judgement = await holistic.JudgeDescriptionAsync(trained.Image, "Describe.", Long);
        var reference = await holistic.LabelScoresAsync(trained.Image, [model.Tokenizer.EncodePrompt(ConversationTemplate.Format(model.ConversationMode, holistic.BuildDescriptionPrompt("Describe.", Long)))], onePass: false, CancellationToken.None);
        Assert.Equal(reference.Judge(0, RewardLabelScheme.Categorical), judgement);
        Assert.InRange(judgement.ErrorProbability!.Value, 0, 1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => holistic.JudgeAsync(trained.Image, "Describe.", Long));
        using var fineGrained = new LlavaSentenceRewardModel(model, Categorical());
        await Assert.ThrowsAsync<InvalidOperationException>(() => fineGrained.JudgeDescriptionAsync(trained.Image, "Describe.", Long));

        var example = LlavaSentenceRewardModel.CreateHolisticTrainingExample(Categorical(holistic: true), trained.Image, "Describe.", Long, LongLabels);
        Assert.Equal(holistic.BuildDescriptionPrompt("Describe.", Long), example.Prompt);
        Assert.Equal("6", example.Target); // the first error is a location
    }

    [Fact]
    public void FirstTokenScoringRefusesLabelsThatShareTheirFirstToken()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var error = Assert.Throws<ArgumentException>(() => new LlavaSentenceRewardModel(model, new LlavaRewardModelOptions { Scoring = RewardScoring.FirstToken }));
        Assert.Contains("'-1', '-2', '-3', '-4', '-5'", error.Message, StringComparison.Ordinal);
        using var legacy = new LlavaSentenceRewardModel(model);
        Assert.Equal(RewardScoring.Decode, legacy.Scoring);
    }

    [Fact]
    public void LoadReadsTheFoldersMetadataUnlessTheOptionsSayOtherwise()
    {
        var folder = Directory.CreateTempSubdirectory("vigor-reward-model-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(TinyLlava.HuggingFace))
            {
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            }

            RewardModelMetadata.For(RewardLabelScheme.Categorical, RewardModelMetadata.Holistic, "Judge it.\n{description}").Save(folder);
            var cpu = new LlavaModelOptions { Device = CPU, DType = ScalarType.Float32 };
            using (var fromMetadata = LlavaSentenceRewardModel.Load(folder, cpu))
            {
                Assert.True(fromMetadata.IsHolistic);
                Assert.Equal("Judge it.\n{description}", fromMetadata.PromptTemplate);
                Assert.Equal(RewardLabelScheme.Categorical.Labels, fromMetadata.Labels.Labels);
                Assert.Equal(RewardScoring.FirstToken, fromMetadata.Scoring);
            }

            using var overridden = LlavaSentenceRewardModel.Load(folder, cpu, new LlavaRewardModelOptions { Holistic = false, Labels = RewardLabelScheme.Default });
            Assert.False(overridden.IsHolistic);
            Assert.Equal(LlavaRewardModelOptions.PaperInstruction + "\n{description}", overridden.PromptTemplate);
            Assert.Same(RewardLabelScheme.Default, overridden.Labels);
            Assert.Equal(RewardScoring.Decode, overridden.Scoring);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static ParsedText Parse(string text, params string[] sentences)
    {
        var parsed = new List<ParsedSentence>();
        int from = 0;
        foreach (var sentence in sentences)
        {
            int start = text.IndexOf(sentence, from, StringComparison.Ordinal);
            parsed.Add(new ParsedSentence(parsed.Count, start, start + sentence.Length, sentence, []));
            from = start + sentence.Length;
        }

        return new ParsedText(text, parsed);
    }
}
