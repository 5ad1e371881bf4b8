using System.Text.Json;
using ViGoR.Torch.Tokenization;
using static TorchSharp.torch;

namespace ViGoR.Torch.Rewards;

/// <summary>Settings of the <see cref="LlavaQuestionAnswerer"/>.</summary>
public sealed class LlavaQuestionAnswererOptions
{
    /// <summary>
    /// LLaVA-1.5's short-answer instruction, which its POPE evaluation appends to every question
    /// (<c>llava_pope_test.jsonl</c>, read by <c>model_vqa_loader.py</c>).
    /// </summary>
    public const string LlavaShortAnswerSuffix = "\nAnswer the question using a single word or phrase.";

    /// <summary>Appended to each question (default <see cref="LlavaShortAnswerSuffix"/>, as LLaVA's POPE evaluation asks).</summary>
    public string QuestionSuffix { get; set; } = LlavaShortAnswerSuffix;

    /// <summary>The reply that means yes (default "Yes", as LLaVA answers).</summary>
    public string YesAnswer { get; set; } = "Yes";

    /// <summary>The reply that means no (default "No").</summary>
    public string NoAnswer { get; set; } = "No";

    /// <summary>A copy, so that an answerer never shares its settings with its caller.</summary>
    public LlavaQuestionAnswererOptions Clone() => (LlavaQuestionAnswererOptions)MemberwiseClone();
}

/// <summary>One yes/no answer read from the first reply token.</summary>
/// <param name="Yes">P(yes) / (P(yes) + P(no)) at the first reply token, in [0, 1].</param>
/// <param name="No">P(no) / (P(yes) + P(no)), so <c>Yes + No = 1</c>.</param>
/// <param name="YesLogit">The yes reply's first-token logit.</param>
/// <param name="NoLogit">The no reply's first-token logit.</param>
public readonly record struct YesNoAnswer(double Yes, double No, float YesLogit, float NoLogit);

/// <summary>
/// A LLaVA checkpoint asked yes/no questions about an image, as LLaVA's POPE evaluation asks them: each
/// question plus <see cref="LlavaQuestionAnswererOptions.QuestionSuffix"/> as the user turn of the
/// model's own conversation template (<see cref="LlavaVisionLanguageModel.ConversationMode"/>), with the
/// image. No reply is decoded: P(yes) is read from the first reply token's distribution, renormalised over
/// the first tokens of "Yes" and "No" (after any token both replies start with, such as LLaMA's "▁").
/// </summary>
/// <remarks>
/// All questions about one image run in one pass (the image, the system line and the shared start of the
/// questions are prefilled once; see <c>FirstTokenScorer.OnePass</c>), and equal one forward per question
/// up to floating point. Thread-safe: calls share the model's gate with sampling and fine-tuning, so the
/// self-check of an online run asks the current weights. Dispose frees the model only if
/// <see cref="Load"/> loaded it.
/// </remarks>
public sealed class LlavaQuestionAnswerer : IVisualQuestionAnswerer, IComponentIdentity, IDisposable
{
    private readonly LlavaVisionLanguageModel _model;
    private readonly bool _ownsModel;
    private readonly LlavaQuestionAnswererOptions _options;
    private readonly RewardLabelTokens _answers;

    /// <summary>Asks an already loaded model (not disposed by this instance), e.g. the one being sampled.</summary>
    /// <exception cref="ArgumentException">The yes and no replies start with the same token under this tokenizer.</exception>
    public LlavaQuestionAnswerer(LlavaVisionLanguageModel model, LlavaQuestionAnswererOptions? options = null)
        : this(model, ownsModel: false, options)
    {
    }

    private LlavaQuestionAnswerer(LlavaVisionLanguageModel model, bool ownsModel, LlavaQuestionAnswererOptions? options)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _ownsModel = ownsModel;
        _options = options?.Clone() ?? new LlavaQuestionAnswererOptions();
        _answers = RewardLabelTokens.Analyse(model.Tokenizer, model.ConversationMode, [_options.YesAnswer, _options.NoAnswer], out var collision)
            ?? throw new ArgumentException($"The yes and no replies cannot be told apart by their first token: {collision}.", nameof(options));
    }

    /// <summary>Loads the LLaVA checkpoint in <paramref name="directory"/> (owned and disposed by the returned instance).</summary>
    public static LlavaQuestionAnswerer Load(string directory, LlavaModelOptions? modelOptions = null, LlavaQuestionAnswererOptions? options = null)
    {
        var model = LlavaVisionLanguageModel.Load(directory, modelOptions);
        try
        {
            return new LlavaQuestionAnswerer(model, ownsModel: true, options);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>The model's identity and the question format, so that a journal is never resumed with answers asked otherwise.</remarks>
    public string Identity =>
        $"llava-vqa:{_model.Identity};suffix={JsonSerializer.Serialize(_options.QuestionSuffix)};yes={_options.YesAnswer};no={_options.NoAnswer}";

    /// <summary>The prompt text of <paramref name="question"/>: the model's conversation template around the question and its suffix, ending at <c>ASSISTANT:</c>.</summary>
    public string BuildPrompt(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return ConversationTemplate.Format(_model.ConversationMode, question + _options.QuestionSuffix);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<double>> ProbabilityOfYesAsync(ImageInput image, IReadOnlyList<string> questions, CancellationToken cancellationToken = default) =>
        (await AnswerAsync(image, questions, cancellationToken).ConfigureAwait(false)).Select(a => a.Yes).ToList();

    /// <summary>Answers every question about <paramref name="image"/> in one pass, with both probabilities and the logits they come from.</summary>
    public Task<IReadOnlyList<YesNoAnswer>> AnswerAsync(ImageInput image, IReadOnlyList<string> questions, CancellationToken cancellationToken = default) =>
        AnswerAsync(image, questions, onePass: true, cancellationToken);

    /// <summary>As <see cref="AnswerAsync(ImageInput, IReadOnlyList{string}, CancellationToken)"/>; <paramref name="onePass"/> false runs one full forward per question (the reference).</summary>
    internal async Task<IReadOnlyList<YesNoAnswer>> AnswerAsync(ImageInput image, IReadOnlyList<string> questions, bool onePass, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(questions);
        if (questions.Count == 0)
        {
            return [];
        }

        var ids = questions.Select(q => _model.Tokenizer.EncodePrompt(BuildPrompt(q ?? throw new ArgumentException("A question is null.", nameof(questions))))).ToList();
        var scores = await _model.RunExclusiveAsync(
            () =>
            {
                using var scope = NewDisposeScope();
                using var pixels = _model.ImageProcessor.Preprocess([image.Decode()], _model.Module.Device);
                var features = _model.Module.ImageFeatures(pixels);
                return onePass
                    ? FirstTokenScorer.OnePass(_model.Module, ids, features, _answers)
                    : FirstTokenScorer.Separately(_model.Module, ids, features, _answers);
            },
            cancellationToken).ConfigureAwait(false);
        return Enumerable.Range(0, ids.Count)
            .Select(i => new YesNoAnswer(scores.Probabilities[i][0], scores.Probabilities[i][1], scores.LabelLogits[i][0], scores.LabelLogits[i][1]))
            .ToList();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }
}
