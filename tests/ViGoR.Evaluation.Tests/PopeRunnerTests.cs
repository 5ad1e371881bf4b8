namespace ViGoR.Evaluation.Tests;

public class PopeRunnerTests
{
    [Fact]
    public async Task Runs_greedy_writes_llava_answers_that_score_and_resumes_without_asking_again()
    {
        var dir = EvaluationFixtures.TempDirectory();
        var answersPath = Path.Combine(dir, "answers.jsonl");
        var questions = await PopeFiles.LoadQuestionsAsync(EvaluationFixtures.Path("pope", "llava_pope_test.jsonl"));
        var labels = await PopeFiles.LoadLabelsAsync(EvaluationFixtures.Path("pope"));
        var yesLabels = labels.SelectMany(s => s.Labels).Where(l => l.IsYes).Select(l => (l.Image, l.Text)).ToHashSet();

        // An oracle that knows the labels answers every question correctly.
        var model = new ScriptedModel((image, prompt) =>
        {
            var text = prompt.Replace(PopeOptions.LlavaAnswerFormatSuffix, string.Empty, StringComparison.Ordinal).Replace("imange", "image", StringComparison.Ordinal);
            return yesLabels.Contains((image.Id, text)) ? "Yes, there is." : "No";
        });
        var progress = new List<PopeRunProgress>();
        var runner = new PopeRunner(model, q => ImageInput.FromId(q.Image));

        var answered = await runner.RunAsync(questions, answersPath, new SyncProgress<PopeRunProgress>(progress.Add));

        Assert.Equal(questions.Count, answered);
        Assert.All(model.Options, o => Assert.Equal((0f, 1), (o.Temperature, o.NumSamples)));
        Assert.All(model.Prompts, p => Assert.EndsWith(PopeOptions.LlavaAnswerFormatSuffix, p, StringComparison.Ordinal));
        Assert.Equal(questions.Count, progress[^1].Answered);

        var report = new PopeEvaluator().Evaluate(labels, await PopeFiles.LoadAnswersAsync(answersPath), questions);
        Assert.All(report.Splits.Values, s => Assert.Equal(1.0, s.Accuracy));

        // A crash mid-write leaves a cut line; the next run drops it and asks only that question.
        var lines = await File.ReadAllLinesAsync(answersPath);
        await File.WriteAllTextAsync(answersPath, string.Join('\n', lines[..^1]) + "\n" + lines[^1][..10]);
        var resumedModel = new ScriptedModel((_, _) => "No");
        var again = await new PopeRunner(resumedModel, q => ImageInput.FromId(q.Image)).RunAsync(questions, answersPath);

        Assert.Equal(1, again);
        Assert.Single(resumedModel.Prompts);
        Assert.Equal(questions.Count, (await PopeFiles.LoadAnswersAsync(answersPath)).Count);
    }

    [Fact]
    public async Task Cancellation_keeps_the_answers_already_written()
    {
        var dir = EvaluationFixtures.TempDirectory();
        var answersPath = Path.Combine(dir, "answers.jsonl");
        var questions = await PopeFiles.LoadQuestionsAsync(EvaluationFixtures.Path("pope", "llava_pope_test.jsonl"));
        using var cts = new CancellationTokenSource();
        var calls = 0;
        var model = new ScriptedModel((_, _) =>
        {
            if (++calls == 3)
            {
                cts.Cancel();
            }

            return "Yes";
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new PopeRunner(model, q => ImageInput.FromId(q.Image)).RunAsync(questions, answersPath, cancellationToken: cts.Token));

        Assert.Equal(3, (await PopeFiles.LoadAnswersAsync(answersPath)).Count);
    }

    [Fact]
    public async Task Resuming_into_the_answers_of_other_questions_is_an_error()
    {
        var dir = EvaluationFixtures.TempDirectory();
        var answersPath = Path.Combine(dir, "answers.jsonl");
        await File.WriteAllTextAsync(answersPath, PopeFiles.FormatLlavaAnswer("424242", "q", "Yes", "m"));
        var questions = await PopeFiles.LoadQuestionsAsync(EvaluationFixtures.Path("pope", "llava_pope_test.jsonl"));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new PopeRunner(new ScriptedModel((_, _) => "Yes"), q => ImageInput.FromId(q.Image)).RunAsync(questions, answersPath));
        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);
    }

    private sealed class ScriptedModel(Func<ImageInput, string, string> answer) : IVisionLanguageModel
    {
        public List<string> Prompts { get; } = [];

        public List<SamplingOptions> Options { get; } = [];

        public Task<IReadOnlyList<string>> SampleAsync(ImageInput image, string prompt, SamplingOptions? options = null, CancellationToken cancellationToken = default)
        {
            Prompts.Add(prompt);
            Options.Add(options!.Clone());
            return Task.FromResult<IReadOnlyList<string>>([answer(image, prompt)]);
        }
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
