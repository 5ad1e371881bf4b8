namespace ViGoR;

/// <summary>
/// Implemented by detectors that can judge only some phrases — e.g. ground-truth annotations,
/// which know COCO's 80 categories and nothing else. The automatic scorer asks such a detector
/// only about phrases it can judge, and neither rewards nor penalises the others (they are
/// recorded as unverified), so an object outside the vocabulary never counts as hallucinated.
/// Open-set detectors such as Grounding DINO do not implement it.
/// </summary>
public interface IClosedVocabularyDetector
{
    /// <summary>True when the detector's answer about <paramref name="phrase"/> (a lower-case lemma) means something.</summary>
    bool CanVerify(string phrase);
}
