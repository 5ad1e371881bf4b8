using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ViGoR.Torch.Generation;
using ViGoR.Torch.Tokenization;
using static TorchSharp.torch;

namespace ViGoR.Torch.Rewards;

/// <summary>
/// ViGoR's LVLM reward model (Yan et al., Sec. 3.1) on a LLaVA checkpoint fine-tuned on per-sentence
/// labels: for each sentence it asks "Assess the accuracy of the last sentence in the following
/// description of this image, and return a single number." with the description up to and including
/// that sentence, decodes greedily, reads the number strictly and maps it through the
/// <see cref="RewardLabelScheme"/>.
/// </summary>
/// <remarks>
/// The sentences of one description are judged as one left-padded batch (each row carries its own copy
/// of the image features; rows are prefilled together, the image prefix is not cached across calls).
/// Thread-safe: calls on the same model are serialised. Dispose frees the model if this instance loaded it.
/// </remarks>
public sealed partial class LlavaSentenceRewardModel : ISentenceRewardModel, IComponentIdentity, IDisposable
{
    private readonly LlavaVisionLanguageModel _model;
    private readonly bool _ownsModel;
    private readonly LlavaRewardModelOptions _options;
    private readonly ILogger _logger;

    /// <summary>Uses an already loaded reward-model checkpoint (not disposed by this instance).</summary>
    public LlavaSentenceRewardModel(LlavaVisionLanguageModel model, LlavaRewardModelOptions? options = null, ILogger<LlavaSentenceRewardModel>? logger = null)
        : this(model, ownsModel: false, options, logger)
    {
    }

    private LlavaSentenceRewardModel(LlavaVisionLanguageModel model, bool ownsModel, LlavaRewardModelOptions? options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _ownsModel = ownsModel;
        _options = options?.Clone() ?? new LlavaRewardModelOptions();
        _logger = logger ?? NullLogger.Instance;
        if (_options.MaxNewTokens < 1 || _options.MaxBatchSize < 1)
        {
            throw new ArgumentException($"MaxNewTokens ({_options.MaxNewTokens}) and MaxBatchSize ({_options.MaxBatchSize}) must be >= 1.", nameof(options));
        }

        if (!_options.PromptTemplate.Contains("{description}", StringComparison.Ordinal))
        {
            throw new ArgumentException("The prompt template must contain {description}.", nameof(options));
        }
    }

    /// <summary>The LLaVA checkpoint that judges.</summary>
    public LlavaVisionLanguageModel Model => _model;

    /// <inheritdoc />
    public string Identity => $"llava-reward-model:{_model.Identity}";

    /// <summary>Loads a reward-model checkpoint from <paramref name="directory"/> (owned and disposed by the returned instance).</summary>
    /// <exception cref="InvalidOperationException">TorchSharp's native backend does not load (the message says why).</exception>
    public static LlavaSentenceRewardModel Load(string directory, LlavaModelOptions? modelOptions = null, LlavaRewardModelOptions? options = null, ILogger<LlavaSentenceRewardModel>? logger = null) =>
        new(LlavaVisionLanguageModel.Load(directory, modelOptions), ownsModel: true, options, logger);

    /// <summary>
    /// The user turn for judging sentence <paramref name="sentenceIndex"/>: the template with the description
    /// cut after that sentence (leading and trailing white space of the cut removed).
    /// </summary>
    public string BuildPrompt(string prompt, ParsedText description, int sentenceIndex)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentOutOfRangeException.ThrowIfNegative(sentenceIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sentenceIndex, description.Sentences.Count);
        var context = description.Text[..description.Sentences[sentenceIndex].End].Trim();
        return _options.PromptTemplate.Replace("{prompt}", prompt ?? string.Empty, StringComparison.Ordinal).Replace("{description}", context, StringComparison.Ordinal);
    }

    /// <summary>
    /// Fine-tuning examples that teach a LLaVA checkpoint to be this reward model: one per labelled
    /// sentence, the prompt built as <see cref="BuildPrompt"/> and the target the scheme's label for its
    /// kind. Train them with <see cref="LlavaVisionLanguageModel.FineTuneAsync"/>.
    /// </summary>
    /// <param name="image">The image described.</param>
    /// <param name="prompt">The instruction the description answered (used if the template has <c>{prompt}</c>).</param>
    /// <param name="description">The description, split into sentences.</param>
    /// <param name="labels">One human label per sentence, in order.</param>
    /// <exception cref="ArgumentException">The label count differs from the sentence count.</exception>
    public IReadOnlyList<FineTuningExample> CreateTrainingExamples(ImageInput image, string prompt, ParsedText description, IReadOnlyList<SentenceErrorKind> labels) =>
        CreateTrainingExamples(_options, image, prompt, description, labels);

    /// <summary>As the instance method, for a model not yet trained (no checkpoint needed).</summary>
    public static IReadOnlyList<FineTuningExample> CreateTrainingExamples(LlavaRewardModelOptions options, ImageInput image, string prompt, ParsedText description, IReadOnlyList<SentenceErrorKind> labels)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != description.Sentences.Count)
        {
            throw new ArgumentException($"{labels.Count} labels for {description.Sentences.Count} sentences of the description of image '{image.Id}'.", nameof(labels));
        }

        return description.Sentences.Select(s => new FineTuningExample(
            image,
            options.PromptTemplate.Replace("{prompt}", prompt ?? string.Empty, StringComparison.Ordinal)
                .Replace("{description}", description.Text[..s.End].Trim(), StringComparison.Ordinal),
            options.Labels.LabelFor(labels[s.Index]))).ToList();
    }

    /// <summary>Reads a reply as a single number: optional sign, digits, optional decimals, optionally one trailing period; white space around it is ignored. Null otherwise.</summary>
    public static double? ParseReply(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var match = NumberReply().Match(reply);
        return match.Success ? double.Parse(match.Groups[1].Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) : null;
    }

    /// <inheritdoc />
    /// <exception cref="RewardModelReplyException">A reply is not a number and <see cref="LlavaRewardModelOptions.OnUnreadable"/> is <see cref="UnreadableReplyPolicy.Error"/>.</exception>
    public async Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(description);
        if (description.Sentences.Count == 0)
        {
            return [];
        }

        var replies = await ReplyAsync(image, prompt, description, cancellationToken).ConfigureAwait(false);
        var judgements = new List<SentenceJudgement>(replies.Count);
        for (int i = 0; i < replies.Count; i++)
        {
            var value = ParseReply(replies[i]);
            if (value is null)
            {
                if (_options.OnUnreadable == UnreadableReplyPolicy.Error)
                {
                    throw new RewardModelReplyException(image.Id, i, replies[i]);
                }

                _logger.LogWarning("Reward model reply to sentence {Sentence} of image {ImageId} is not a number (\"{Reply}\"); recorded as an unreadable, neutral judgement.", i, image.Id, replies[i]);
                judgements.Add(SentenceJudgement.UnreadableReply());
                continue;
            }

            judgements.Add(_options.Labels.Interpret(value.Value));
        }

        return judgements;
    }

    /// <summary>The model's raw reply to each sentence's question, in sentence order (greedy, batched by <see cref="LlavaRewardModelOptions.MaxBatchSize"/>).</summary>
    internal async Task<IReadOnlyList<string>> ReplyAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken)
    {
        var rows = description.Sentences
            .Select(s => _model.Tokenizer.EncodePrompt(ConversationTemplate.Format(_model.ConversationMode, BuildPrompt(prompt, description, s.Index))))
            .ToList();
        var replies = new List<string>(rows.Count);
        await _model.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Run(
                () =>
                {
                    using var pixels = _model.ImageProcessor.Preprocess([image.Decode()], _model.Module.Device);
                    var settings = new GenerationSettings
                    {
                        NumSamples = 1,
                        Temperature = 0,
                        MaxNewTokens = _options.MaxNewTokens,
                        EosTokenIds = _model.Tokenizer.EosTokenIds,
                    };
                    for (int start = 0; start < rows.Count; start += _options.MaxBatchSize)
                    {
                        var batch = rows.GetRange(start, Math.Min(_options.MaxBatchSize, rows.Count - start));
                        using var scope = NewDisposeScope();
                        var repeated = pixels.expand(batch.Count, -1, -1, -1);
                        using var output = LlavaGenerator.Generate(_model.Module, batch, repeated, settings, null, cancellationToken);
                        replies.AddRange(output.Tokens.Select(samples => _model.Tokenizer.Decode(samples[0])));
                    }
                },
                cancellationToken);
        }
        finally
        {
            _model.Gate.Release();
        }

        return replies;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }

    [GeneratedRegex(@"^\s*([+-]?\d+(?:\.\d+)?)\.?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberReply();
}
