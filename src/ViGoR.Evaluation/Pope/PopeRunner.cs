using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ViGoR.Evaluation;

/// <summary>Progress of a <see cref="PopeRunner"/> run.</summary>
/// <param name="Answered">Questions answered so far, those found in a resumed file included.</param>
/// <param name="Total">Questions to answer in all.</param>
/// <param name="Resumed">Answers that were already in the file when the run started.</param>
public readonly record struct PopeRunProgress(int Answered, int Total, int Resumed);

/// <summary>Settings of a <see cref="PopeRunner"/>.</summary>
public sealed class PopeRunnerOptions
{
    /// <summary>
    /// Decoding settings. Default: greedy, one answer (<see cref="SamplingOptions.Temperature"/> 0,
    /// <see cref="SamplingOptions.NumSamples"/> 1), at most 128 new tokens, as LLaVA's
    /// <c>model_vqa_loader.py</c> runs POPE (temperature 0, <c>max_new_tokens</c> 128).
    /// </summary>
    public SamplingOptions Sampling { get; set; } = new() { Temperature = 0, NumSamples = 1, MaxNewTokens = 128 };

    /// <summary>
    /// Appended to a question that does not already end with it. Default: LLaVA-1.5's
    /// <see cref="PopeOptions.LlavaAnswerFormatSuffix"/>; empty to ask the questions unchanged.
    /// </summary>
    public string AnswerFormatSuffix { get; set; } = PopeOptions.LlavaAnswerFormatSuffix;

    /// <summary>The <c>model_id</c> written with every answer.</summary>
    public string ModelId { get; set; } = "vigor";
}

/// <summary>
/// Asks an <see cref="IVisionLanguageModel"/> POPE's questions and appends its answers, one JSON
/// line each in LLaVA's answer format, to a file that <see cref="PopeEvaluator"/> then scores.
/// </summary>
/// <remarks>
/// Resumable: answers already in the file (by question id) are kept and not asked again; a last
/// line cut short by a crash is dropped. Each answer is flushed as soon as it is written, so a
/// cancelled or crashed run loses at most the question being answered.
/// </remarks>
public sealed class PopeRunner
{
    private readonly IVisionLanguageModel _model;
    private readonly Func<PopeQuestion, ImageInput> _imageFor;
    private readonly PopeRunnerOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a runner.</summary>
    /// <param name="model">The model to ask.</param>
    /// <param name="imageFor">The image a question is about (e.g. <c>ImageInput.FromFile(Path.Combine(cocoDir, q.Image))</c>).</param>
    /// <param name="options">Decoding and output settings.</param>
    /// <param name="logger">Receives a line per resume and per finished run.</param>
    public PopeRunner(IVisionLanguageModel model, Func<PopeQuestion, ImageInput> imageFor, PopeRunnerOptions? options = null, ILogger<PopeRunner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(imageFor);
        _model = model;
        _imageFor = imageFor;
        _options = options ?? new PopeRunnerOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>An image resolver for a COCO image folder: <c>folder/question.Image</c>.</summary>
    public static Func<PopeQuestion, ImageInput> ImagesFromFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        return q => ImageInput.FromFile(Path.Combine(folder, q.Image), q.Image);
    }

    /// <summary>
    /// Answers every question not yet answered in <paramref name="answersPath"/>, appending to it.
    /// </summary>
    /// <returns>The number of questions answered by this call (not counting resumed ones).</returns>
    /// <exception cref="InvalidDataException">The existing answer file is malformed before its last line, or answers a question id not in <paramref name="questions"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; answers written so far are kept.</exception>
    public async Task<int> RunAsync(
        IReadOnlyList<PopeQuestion> questions,
        string answersPath,
        IProgress<PopeRunProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(questions);
        ArgumentException.ThrowIfNullOrWhiteSpace(answersPath);
        var ids = questions.Select(q => q.QuestionId).ToHashSet(StringComparer.Ordinal);
        var done = await ReadDoneAsync(answersPath, ids, cancellationToken);
        var resumed = done.Count;
        if (resumed > 0)
        {
            _logger.LogInformation("Resuming POPE run: {Done} of {Total} questions already answered in {File}.", resumed, questions.Count, answersPath);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(answersPath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var sampling = _options.Sampling.Clone();
        sampling.NumSamples = 1;
        var answered = 0;
        await using var stream = new FileStream(answersPath, FileMode.Append, FileAccess.Write, FileShare.Read);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        progress?.Report(new PopeRunProgress(done.Count, questions.Count, resumed));
        foreach (var question in questions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (done.Contains(question.QuestionId))
            {
                continue;
            }

            var prompt = WithSuffix(question.Text);
            var texts = await _model.SampleAsync(_imageFor(question), prompt, sampling, cancellationToken);
            if (texts.Count != 1)
            {
                throw new InvalidOperationException($"The model returned {texts.Count} answers for question {question.QuestionId}; exactly 1 was asked for.");
            }

            await writer.WriteAsync(PopeFiles.FormatLlavaAnswer(question.QuestionId, prompt, texts[0].Trim(), _options.ModelId));
            // Not cancellable: an answer already paid for is always kept.
            await writer.FlushAsync(CancellationToken.None);
            done.Add(question.QuestionId);
            answered++;
            progress?.Report(new PopeRunProgress(done.Count, questions.Count, resumed));
        }

        _logger.LogInformation("POPE run finished: {Answered} new answers, {Total} in {File}.", answered, done.Count, answersPath);
        return answered;
    }

    private string WithSuffix(string question) =>
        _options.AnswerFormatSuffix.Length == 0 || question.EndsWith(_options.AnswerFormatSuffix, StringComparison.Ordinal)
            ? question
            : question + _options.AnswerFormatSuffix;

    private static async Task<HashSet<string>> ReadDoneAsync(string path, HashSet<string> ids, CancellationToken cancellationToken)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return done;
        }

        var text = await File.ReadAllTextAsync(path, cancellationToken);
        var keep = 0;
        foreach (var line in JsonLines.Parse(text, path, tolerateTruncatedLastLine: true))
        {
            var answer = PopeFiles.ParseAnswer(line);
            var id = answer.QuestionId ?? throw new InvalidDataException($"{line.Where}: the answer has no question_id; cannot resume into this file.");
            if (!ids.Contains(id))
            {
                throw new InvalidDataException($"{line.Where}: question_id {id} is not among the questions being run; is this the answer file of another question set?");
            }

            done.Add(id);
            keep = line.Line;
        }

        // Drop a last line cut short by a crash so that appending starts on a clean line.
        var lines = text.Split('\n');
        if (!text.EndsWith('\n') && text.Length > 0)
        {
            var kept = string.Join('\n', lines.Take(keep)) + (keep > 0 ? "\n" : string.Empty);
            await File.WriteAllTextAsync(path, kept, new UTF8Encoding(false), cancellationToken);
        }

        return done;
    }
}
