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
/// that sentence, and reads the answer through the <see cref="RewardLabelScheme"/>. A holistic checkpoint
/// (<see cref="IsHolistic"/>) is asked once about the whole description instead
/// (<see cref="JudgeDescriptionAsync"/>).
/// </summary>
/// <remarks>
/// <para>
/// <see cref="RewardScoring.FirstToken"/> (the default when the labels' first tokens differ): one pass per
/// description. The image and the instruction are prefilled once into a KV cache and the description is
/// read once; each sentence's question then only adds the template's tail (e.g. " ASSISTANT:") positioned
/// right after its sentence and seeing only the text up to it (a prefix tree of the questions, see
/// <c>FirstTokenScorer.OnePass</c>). Every question's
/// ids are exactly the ids of its own prompt string, <c>EncodePrompt(Format(mode, BuildPrompt(...)))</c>,
/// which are also the prompt ids <see cref="LlavaVisionLanguageModel.FineTuneAsync"/> trains on for
/// <see cref="CreateTrainingExamples(ImageInput, string, ParsedText, IReadOnlyList{SentenceErrorKind})"/>: training
/// and scoring see the same tokens. The answer is read at the position after the reply's shared lead
/// tokens (LLaMA's "▁" before a digit), which the fine-tuner also puts there.
/// </para>
/// <para>
/// <see cref="RewardScoring.Decode"/>: the sentences of one description are decoded greedily as one
/// left-padded batch of whole prompts.
/// </para>
/// The projected features of the last image judged are kept (keyed by the <see cref="ImageInput"/>
/// instance and its id), so the k samples of one image, judged in k calls, run the vision tower once;
/// fine-tuning the checkpoint drops them. Thread-safe: calls on the same model are serialised. Dispose
/// frees the model if this instance loaded it.
/// </remarks>
public sealed partial class LlavaSentenceRewardModel : IBatchSentenceRewardModel, IDescriptionRewardModel, IComponentIdentity, IDisposable
{
    private readonly LlavaVisionLanguageModel _model;
    private readonly bool _ownsModel;
    private readonly LlavaRewardModelOptions _options;
    private readonly ILogger _logger;
    private readonly RewardLabelTokens? _labelTokens;
    private ImageInput? _featuresImage;
    private string? _featuresImageId;
    private int _featuresWeightsVersion;
    private Tensor? _features;

    /// <summary>Uses an already loaded reward-model checkpoint (not disposed by this instance).</summary>
    /// <exception cref="ArgumentException">The options are invalid, or <see cref="RewardScoring.FirstToken"/> is asked for labels whose first tokens coincide (the message names them).</exception>
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
        if (_options.MaxNewTokens < 1 || _options.MaxBatchSize < 1 || _options.MaxImagesPerPass < 1)
        {
            throw new ArgumentException($"MaxNewTokens ({_options.MaxNewTokens}), MaxBatchSize ({_options.MaxBatchSize}) and MaxImagesPerPass ({_options.MaxImagesPerPass}) must be >= 1.", nameof(options));
        }

        if (!_options.PromptTemplate.Contains("{description}", StringComparison.Ordinal))
        {
            throw new ArgumentException("The prompt template must contain {description}.", nameof(options));
        }

        _labelTokens = RewardLabelTokens.Analyse(model.Tokenizer, model.ConversationMode, _options.Labels, out var collision);
        if (_labelTokens is null && _options.Scoring == RewardScoring.FirstToken)
        {
            throw new ArgumentException($"First-token scoring needs labels that differ in their first reply token, but under this tokenizer {collision}. Use RewardScoring.Decode or a scheme with single-token labels (RewardLabelScheme.Categorical).", nameof(options));
        }

        Scoring = _options.Scoring ?? (_labelTokens is null ? RewardScoring.Decode : RewardScoring.FirstToken);
    }

    /// <summary>True for a holistic model: judge with <see cref="JudgeDescriptionAsync"/>, not <see cref="JudgeAsync"/>.</summary>
    public bool IsHolistic => _options.Holistic == true;

    /// <summary>How replies are read (the option, or what the labels allow when it was left unset).</summary>
    public RewardScoring Scoring { get; }

    /// <summary>The label scheme in use (from the options, else the folder's <c>vigor_reward.json</c>, else <see cref="RewardLabelScheme.Default"/>).</summary>
    public RewardLabelScheme Labels => _options.Labels;

    /// <summary>The label tokens first-token scoring reads (null when the labels' first tokens coincide).</summary>
    internal RewardLabelTokens? LabelTokens => _labelTokens;

    /// <summary>The user-turn template in use.</summary>
    public string PromptTemplate => _options.PromptTemplate;

    /// <summary>The LLaVA checkpoint that judges.</summary>
    public LlavaVisionLanguageModel Model => _model;

    /// <inheritdoc />
    /// <remarks>First-token scoring appends <c>;first_token</c>: its scores are expectations, not the decoded numbers.</remarks>
    public string Identity => $"llava-reward-model:{_model.Identity}" + (Scoring == RewardScoring.FirstToken ? ";first_token" : string.Empty);

    /// <summary>
    /// Loads a reward-model checkpoint from <paramref name="directory"/> (owned and disposed by the returned
    /// instance). When the folder holds <c>vigor_reward.json</c> (<see cref="RewardModelMetadata"/>), its
    /// label scheme, prompt template and kind are used wherever <paramref name="options"/> leaves them unset.
    /// </summary>
    /// <exception cref="InvalidOperationException">TorchSharp's native backend does not load (the message says why).</exception>
    /// <exception cref="InvalidDataException"><c>vigor_reward.json</c> is malformed (the message names the field).</exception>
    public static LlavaSentenceRewardModel Load(string directory, LlavaModelOptions? modelOptions = null, LlavaRewardModelOptions? options = null, ILogger<LlavaSentenceRewardModel>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var resolved = (options ?? new LlavaRewardModelOptions()).WithDefaultsFrom(RewardModelMetadata.Load(directory));
        var model = LlavaVisionLanguageModel.Load(directory, modelOptions);
        try
        {
            return new(model, ownsModel: true, resolved, logger);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The user turn for judging sentence <paramref name="sentenceIndex"/>: the template with the description
    /// cut after that sentence (leading and trailing white space of the cut removed).
    /// </summary>
    public string BuildPrompt(string prompt, ParsedText description, int sentenceIndex)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentOutOfRangeException.ThrowIfNegative(sentenceIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sentenceIndex, description.Sentences.Count);
        return Question(_options, prompt, description, description.Sentences[sentenceIndex].End);
    }

    /// <summary>The user turn for judging the whole <paramref name="description"/> (a holistic model): the template with the description trimmed.</summary>
    public string BuildDescriptionPrompt(string prompt, ParsedText description)
    {
        ArgumentNullException.ThrowIfNull(description);
        return Question(_options, prompt, description, description.Text.Length);
    }

    /// <summary>
    /// Fine-tuning examples that teach a LLaVA checkpoint to be this reward model: one per labelled
    /// sentence, the prompt built as <see cref="BuildPrompt"/> and the target the scheme's label for its
    /// kind. Train them with <see cref="LlavaVisionLanguageModel.FineTuneAsync"/>; the fine-tuner then sees
    /// the same prompt ids this model scores.
    /// </summary>
    /// <param name="image">The image described.</param>
    /// <param name="prompt">The instruction the description answered (used if the template has <c>{prompt}</c>).</param>
    /// <param name="description">The description, split into sentences.</param>
    /// <param name="labels">One human label per sentence, in order.</param>
    /// <exception cref="ArgumentException">The label count differs from the sentence count.</exception>
    public IReadOnlyList<FineTuningExample> CreateTrainingExamples(ImageInput image, string prompt, ParsedText description, IReadOnlyList<SentenceErrorKind> labels) =>
        CreateTrainingExamples(_options, image, prompt, description, labels);

    /// <summary>As the instance method, for a model not yet trained (no checkpoint needed).</summary>
    public static IReadOnlyList<FineTuningExample> CreateTrainingExamples(LlavaRewardModelOptions options, ImageInput image, string prompt, ParsedText description, IReadOnlyList<SentenceErrorKind> labels) =>
        CreateTrainingExamples(options, image, prompt, description, labels, creative: null);

    /// <summary>
    /// As <see cref="CreateTrainingExamples(LlavaRewardModelOptions, ImageInput, string, ParsedText, IReadOnlyList{SentenceErrorKind})"/>,
    /// with a per-sentence creativity mark: a correct sentence marked creative is trained on the scheme's
    /// creative label ("2" in <see cref="RewardLabelScheme.Categorical"/>), if it has one.
    /// </summary>
    /// <exception cref="ArgumentException">A label or creativity count differs from the sentence count.</exception>
    public static IReadOnlyList<FineTuningExample> CreateTrainingExamples(LlavaRewardModelOptions options, ImageInput image, string prompt, ParsedText description, IReadOnlyList<SentenceErrorKind> labels, IReadOnlyList<bool>? creative)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != description.Sentences.Count || (creative is not null && creative.Count != description.Sentences.Count))
        {
            throw new ArgumentException($"{labels.Count} labels{(creative is null ? string.Empty : $" and {creative.Count} creativity marks")} for {description.Sentences.Count} sentences of the description of image '{image.Id}'.", nameof(labels));
        }

        return description.Sentences.Select(s => new FineTuningExample(
            image,
            Question(options, prompt, description, s.End),
            options.Labels.LabelFor(labels[s.Index], creative?[s.Index] ?? false))).ToList();
    }

    /// <summary>
    /// The fine-tuning example that teaches a holistic reward model about one labelled description: the
    /// prompt built as <see cref="BuildDescriptionPrompt"/> (set <see cref="LlavaRewardModelOptions.Holistic"/>
    /// for the holistic template) and the target <see cref="RewardLabelScheme.LabelForDescription"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The label count differs from the sentence count.</exception>
    public static FineTuningExample CreateHolisticTrainingExample(LlavaRewardModelOptions options, ImageInput image, string prompt, ParsedText description, IReadOnlyList<SentenceErrorKind> labels, bool creative = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != description.Sentences.Count)
        {
            throw new ArgumentException($"{labels.Count} labels for {description.Sentences.Count} sentences of the description of image '{image.Id}'.", nameof(labels));
        }

        return new FineTuningExample(image, Question(options, prompt, description, description.Text.Length), options.Labels.LabelForDescription(labels, creative));
    }

    /// <summary>Reads a reply as a single number: optional sign, digits, optional decimals, optionally one trailing period; white space around it is ignored. Null otherwise.</summary>
    public static double? ParseReply(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var match = NumberReply().Match(reply);
        return match.Success ? double.Parse(match.Groups[1].Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) : null;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The model is holistic (use <see cref="JudgeDescriptionAsync"/>).</exception>
    /// <exception cref="RewardModelReplyException">A decoded reply is not a number and <see cref="LlavaRewardModelOptions.OnUnreadable"/> is <see cref="UnreadableReplyPolicy.Error"/>.</exception>
    public async Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(description);
        if (IsHolistic)
        {
            throw new InvalidOperationException($"The reward model in '{_model.Directory}' is holistic (one judgement per description): call JudgeDescriptionAsync, not JudgeAsync.");
        }

        if (description.Sentences.Count == 0)
        {
            return [];
        }

        if (Scoring == RewardScoring.FirstToken)
        {
            var scores = await LabelScoresAsync(image, SentenceQuestions(prompt, description), onePass: true, cancellationToken).ConfigureAwait(false);
            return Enumerable.Range(0, description.Sentences.Count).Select(i => scores.Judge(i, _options.Labels)).ToList();
        }

        var replies = await ReplyAsync(image, prompt, description, cancellationToken).ConfigureAwait(false);
        return replies.Select((reply, i) => Interpret(image, i, reply)).ToList();
    }

    /// <inheritdoc />
    /// <remarks>
    /// First-token scoring groups the requests by image (the same <see cref="ImageInput"/> instance) and
    /// puts every sentence question of up to <see cref="LlavaRewardModelOptions.MaxImagesPerPass"/> images
    /// into one packed pass (<see cref="FirstTokenScorer.OnePass(Modeling.LlavaForConditionalGeneration, IReadOnlyList{IReadOnlyList{long[]}}, Tensor, RewardLabelTokens)"/>:
    /// one cache row per image, its image-and-instruction prefix prefilled once), after one vision-tower
    /// forward for those images. By default that is one image per pass, bit for bit as judging it alone;
    /// see <see cref="LlavaRewardModelOptions.MaxImagesPerPass"/> for the trade-off above 1. Decoding and
    /// holistic models judge the requests one after another.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The model is holistic.</exception>
    /// <exception cref="RewardModelReplyException">A decoded reply is not a number and <see cref="LlavaRewardModelOptions.OnUnreadable"/> is <see cref="UnreadableReplyPolicy.Error"/>.</exception>
    public async Task<IReadOnlyList<IReadOnlyList<SentenceJudgement>>> JudgeBatchAsync(IReadOnlyList<SentenceRewardRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Any(r => r is null))
        {
            throw new ArgumentException("A request is null.", nameof(requests));
        }

        // A description without sentences keeps its empty list; every other one is filled below.
        var result = new IReadOnlyList<SentenceJudgement>[requests.Count];
        Array.Fill(result, []);
        if (Scoring != RewardScoring.FirstToken || IsHolistic)
        {
            for (int i = 0; i < requests.Count; i++)
            {
                result[i] = await JudgeAsync(requests[i].Image, requests[i].Prompt, requests[i].Description, cancellationToken).ConfigureAwait(false);
            }

            return result;
        }

        // One row per image, in order of first appearance; each request's questions are a run of its row.
        var groups = requests
            .Select((request, index) => (request, index))
            .Where(x => x.request.Description.Sentences.Count > 0)
            .GroupBy(x => x.request.Image, ReferenceEqualityComparer.Instance)
            .Select(g => (Image: (ImageInput)g.Key!, Requests: g.ToList()))
            .ToList();
        foreach (var pass in groups.Chunk(_options.MaxImagesPerPass))
        {
            var rows = pass.Select(g => (IReadOnlyList<long[]>)g.Requests.SelectMany(x => SentenceQuestions(x.request.Prompt, x.request.Description)).ToList()).ToList();
            var scores = await LabelScoresAsync(pass.Select(g => g.Image).ToList(), rows, cancellationToken).ConfigureAwait(false);
            int question = 0;
            foreach (var (request, index) in pass.SelectMany(g => g.Requests))
            {
                result[index] = Enumerable.Range(question, request.Description.Sentences.Count).Select(i => scores.Judge(i, _options.Labels)).ToList();
                question += request.Description.Sentences.Count;
            }
        }

        return result;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The model judges sentences (use <see cref="JudgeAsync"/>).</exception>
    /// <exception cref="RewardModelReplyException">A decoded reply is not a number and <see cref="LlavaRewardModelOptions.OnUnreadable"/> is <see cref="UnreadableReplyPolicy.Error"/>.</exception>
    public async Task<SentenceJudgement> JudgeDescriptionAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(description);
        if (!IsHolistic)
        {
            throw new InvalidOperationException($"The reward model in '{_model.Directory}' judges sentences: call JudgeAsync, not JudgeDescriptionAsync (set LlavaRewardModelOptions.Holistic, or \"kind\": \"holistic\" in vigor_reward.json, for a holistic model).");
        }

        var question = Encode(BuildDescriptionPrompt(prompt, description));
        if (Scoring == RewardScoring.FirstToken)
        {
            var scores = await LabelScoresAsync(image, [question], onePass: false, cancellationToken).ConfigureAwait(false);
            return scores.Judge(0, _options.Labels);
        }

        var replies = await RunAsync(image, features => Decode([question], features, cancellationToken), cancellationToken).ConfigureAwait(false);
        return Interpret(image, 0, replies[0]);
    }

    /// <summary>The token ids of each sentence's question, in sentence order (what both scoring modes and the fine-tuner see).</summary>
    internal IReadOnlyList<long[]> SentenceQuestions(string prompt, ParsedText description) =>
        description.Sentences.Select(s => Encode(BuildPrompt(prompt, description, s.Index))).ToList();

    /// <summary>First-token label scores of <paramref name="questions"/>: in one pass sharing their common prefix, or each as its own forward (the reference).</summary>
    internal Task<LabelScores> LabelScoresAsync(ImageInput image, IReadOnlyList<long[]> questions, bool onePass, CancellationToken cancellationToken)
    {
        if (onePass)
        {
            return LabelScoresAsync([image], [questions], cancellationToken);
        }

        var labels = RequireLabelTokens();
        return RunAsync(image, features => FirstTokenScorer.Separately(_model.Module, questions, features, labels), cancellationToken);
    }

    /// <summary>First-token label scores of several images' questions in one packed pass (row b about <paramref name="images"/>[b]), row after row.</summary>
    internal Task<LabelScores> LabelScoresAsync(IReadOnlyList<ImageInput> images, IReadOnlyList<IReadOnlyList<long[]>> rows, CancellationToken cancellationToken)
    {
        var labels = RequireLabelTokens();
        if (images.Count == 1)
        {
            return RunAsync(images[0], features => FirstTokenScorer.OnePass(_model.Module, rows, features, labels), cancellationToken);
        }

        return RunAsync(
            () =>
            {
                // Several images: one vision-tower forward for all of them, not kept (the one-image cache is for k calls about one image).
                using var scope = NewDisposeScope();
                using var pixels = _model.ImageProcessor.Preprocess(images.Select(i => i.Decode()).ToList(), _model.Module.Device);
                return FirstTokenScorer.OnePass(_model.Module, rows, _model.Module.ImageFeatures(pixels), labels);
            },
            cancellationToken);
    }

    private RewardLabelTokens RequireLabelTokens() =>
        _labelTokens ?? throw new InvalidOperationException("The labels' first tokens coincide; first-token scores are undefined.");

    /// <summary>The model's raw reply to each sentence's question, in sentence order (greedy, batched by <see cref="LlavaRewardModelOptions.MaxBatchSize"/>).</summary>
    internal Task<IReadOnlyList<string>> ReplyAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken)
    {
        var rows = SentenceQuestions(prompt, description);
        return RunAsync<IReadOnlyList<string>>(image, features => Decode(rows, features, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _features?.Dispose();
        _features = null;
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }

    private static string Question(LlavaRewardModelOptions options, string prompt, ParsedText description, int end) =>
        options.PromptTemplate.Replace("{prompt}", prompt ?? string.Empty, StringComparison.Ordinal)
            .Replace("{description}", description.Text[..end].Trim(), StringComparison.Ordinal);

    private long[] Encode(string question) => _model.Tokenizer.EncodePrompt(ConversationTemplate.Format(_model.ConversationMode, question));

    private SentenceJudgement Interpret(ImageInput image, int sentence, string reply)
    {
        if (ParseReply(reply) is { } value)
        {
            return _options.Labels.Interpret(value);
        }

        if (_options.OnUnreadable == UnreadableReplyPolicy.Error)
        {
            throw new RewardModelReplyException(image.Id, sentence, reply);
        }

        _logger.LogWarning("Reward model reply to sentence {Sentence} of image {ImageId} is not a number (\"{Reply}\"); recorded as an unreadable, neutral judgement.", sentence, image.Id, reply);
        return SentenceJudgement.UnreadableReply();
    }

    private List<string> Decode(IReadOnlyList<long[]> rows, Tensor features, CancellationToken cancellationToken)
    {
        var settings = new GenerationSettings
        {
            NumSamples = 1,
            Temperature = 0,
            MaxNewTokens = _options.MaxNewTokens,
            EosTokenIds = _model.Tokenizer.EosTokenIds,
        };
        var replies = new List<string>(rows.Count);
        for (int start = 0; start < rows.Count; start += _options.MaxBatchSize)
        {
            var batch = rows.Skip(start).Take(_options.MaxBatchSize).ToList();
            using var scope = NewDisposeScope();
            int images = batch.Sum(r => r.Count(id => id == _model.Config.ImageTokenIndex));
            using var output = LlavaGenerator.GenerateFromFeatures(_model.Module, batch, features.expand(images, -1, -1), settings, cancellationToken);
            replies.AddRange(output.Tokens.Select(samples => _model.Tokenizer.Decode(samples[0])));
        }

        return replies;
    }

    /// <summary>Runs <paramref name="work"/> on a worker thread under the model's gate and no_grad, with the image's projected features.</summary>
    private Task<T> RunAsync<T>(ImageInput image, Func<Tensor, T> work, CancellationToken cancellationToken) =>
        RunAsync(() => work(FeaturesOf(image)), cancellationToken);

    /// <summary>Runs <paramref name="work"/> on a worker thread under the model's gate and no_grad.</summary>
    private Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken) => _model.RunExclusiveAsync(work, cancellationToken);

    // The k samples of one image arrive as k calls with the same ImageInput: keep its features so the
    // vision tower runs once per image. Keyed by instance and id (an ImageInput is immutable, but a
    // caller may build a new one per call, which then simply misses); fine-tuning invalidates them.
    private Tensor FeaturesOf(ImageInput image)
    {
        if (_features is not null && ReferenceEquals(image, _featuresImage) && image.Id == _featuresImageId && _featuresWeightsVersion == _model.WeightsVersion)
        {
            return _features;
        }

        _features?.Dispose();
        _features = null;
        using (var scope = NewDisposeScope())
        {
            using var pixels = _model.ImageProcessor.Preprocess([image.Decode()], _model.Module.Device);
            _features = _model.Module.ImageFeatures(pixels).DetachFromDisposeScope();
        }

        _featuresImage = image;
        _featuresImageId = image.Id;
        _featuresWeightsVersion = _model.WeightsVersion;
        return _features;
    }

    [GeneratedRegex(@"^\s*([+-]?\d+(?:\.\d+)?)\.?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberReply();
}
