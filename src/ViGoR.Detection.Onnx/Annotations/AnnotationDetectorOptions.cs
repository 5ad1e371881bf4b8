using ViGoR.Evaluation;

namespace ViGoR;

/// <summary>Settings of <see cref="AnnotationGroundingDetector"/>.</summary>
public sealed class AnnotationDetectorOptions
{
    /// <summary>
    /// Maps a phrase (and each annotation's category name) to a category. Default: CHAIR's COCO
    /// synonyms (<see cref="CocoVocabulary.Default"/>), so "puppy" finds a "dog" box. A category name
    /// the vocabulary does not list matches itself.
    /// </summary>
    public CocoVocabulary Vocabulary { get; set; } = CocoVocabulary.Default;

    /// <summary>Also try singular forms of a phrase's last word ("dogs" -> "dog", "benches" -> "bench", "women" -> "woman"). Default true.</summary>
    public bool HandlePlurals { get; set; } = true;

    /// <summary>A copy.</summary>
    public AnnotationDetectorOptions Clone() => (AnnotationDetectorOptions)MemberwiseClone();

    /// <summary>The settings that change answers, for the detector's identity (the default vocabulary is not named).</summary>
    internal string IdentitySuffix() =>
        (ReferenceEquals(Vocabulary, CocoVocabulary.Default) ? string.Empty : "+custom-vocabulary") + (HandlePlurals ? string.Empty : "+no-plurals");
}
