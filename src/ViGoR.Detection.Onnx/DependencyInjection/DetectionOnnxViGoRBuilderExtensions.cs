using Microsoft.Extensions.Logging;
using ViGoR;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the detectors of ViGoR.Detection.Onnx on a <see cref="ViGoRBuilder"/>.</summary>
public static class DetectionOnnxViGoRBuilderExtensions
{
    /// <summary>
    /// Registers a <see cref="GroundingDinoDetector"/> (singleton, created on first use, disposed
    /// with the container) as the <see cref="IGroundingDetector"/>.
    /// </summary>
    /// <param name="builder">The ViGoR builder.</param>
    /// <param name="modelPath">The model folder or .onnx file (see <see cref="GroundingDinoOptions.ModelPath"/>).</param>
    /// <param name="configure">Adjusts the other options (execution provider, batch size...).</param>
    public static ViGoRBuilder UseGroundingDinoOnnx(this ViGoRBuilder builder, string modelPath, Action<GroundingDinoOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        var options = new GroundingDinoOptions { ModelPath = modelPath };
        configure?.Invoke(options);
        return builder.UseGroundingDetector(sp => new GroundingDinoDetector(options, sp.GetService<ILoggerFactory>()?.CreateLogger<GroundingDinoDetector>()));
    }

    /// <summary>Registers a <see cref="GroundingDinoDetector"/> configured by <paramref name="configure"/>, which must set <see cref="GroundingDinoOptions.ModelPath"/>.</summary>
    public static ViGoRBuilder UseGroundingDinoOnnx(this ViGoRBuilder builder, Action<GroundingDinoOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new GroundingDinoOptions();
        configure(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ModelPath, "GroundingDinoOptions.ModelPath");
        return builder.UseGroundingDetector(sp => new GroundingDinoDetector(options, sp.GetService<ILoggerFactory>()?.CreateLogger<GroundingDinoDetector>()));
    }

    /// <summary>
    /// Registers an <see cref="AnnotationGroundingDetector"/> over ground-truth boxes (COCO instances
    /// JSON or LLaVA caps_boxes JSON Lines) as the <see cref="IGroundingDetector"/>; the file is read on first use.
    /// </summary>
    public static ViGoRBuilder UseAnnotationGroundingDetector(this ViGoRBuilder builder, string annotationsPath, Action<AnnotationDetectorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(annotationsPath);
        var options = new AnnotationDetectorOptions();
        configure?.Invoke(options);
        return builder.UseGroundingDetector(sp => AnnotationGroundingDetector.Load(annotationsPath, options, sp.GetService<ILoggerFactory>()?.CreateLogger<AnnotationGroundingDetector>()));
    }
}
