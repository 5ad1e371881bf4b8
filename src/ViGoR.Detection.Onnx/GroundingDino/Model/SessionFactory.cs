using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace ViGoR;

/// <summary>Creates the one <see cref="InferenceSession"/> of a detector, with the requested execution provider or the CPU fallback.</summary>
internal static class SessionFactory
{
    public static (InferenceSession Session, GroundingDinoExecutionProvider Provider) Create(string modelFile, GroundingDinoOptions options, ILogger logger)
    {
        if (options.ExecutionProvider != GroundingDinoExecutionProvider.Cpu)
        {
            try
            {
                using var gpuOptions = NewOptions(options);
                if (options.ExecutionProvider == GroundingDinoExecutionProvider.TensorRT)
                {
                    gpuOptions.AppendExecutionProvider_Tensorrt(options.DeviceId);
                }

                // CUDA also backs TensorRT for the nodes TensorRT does not take.
                gpuOptions.AppendExecutionProvider_CUDA(options.DeviceId);
                return (Open(modelFile, gpuOptions), options.ExecutionProvider);
            }
            catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
            {
                var message = $"The {options.ExecutionProvider} execution provider (device {options.DeviceId}) is unavailable: {e.Message.Trim()} " +
                    "It needs the Microsoft.ML.OnnxRuntime.Gpu native package and the NVIDIA libraries it was built for (CUDA, cuDNN" +
                    (options.ExecutionProvider == GroundingDinoExecutionProvider.TensorRT ? ", TensorRT" : string.Empty) + ") on the library path.";
                if (options.RequireExecutionProvider)
                {
                    throw new InvalidOperationException(message, e);
                }

                logger.LogWarning("{Message} Falling back to the CPU provider.", message);
            }
        }

        using var cpuOptions = NewOptions(options);
        return (Open(modelFile, cpuOptions), GroundingDinoExecutionProvider.Cpu);
    }

    private static SessionOptions NewOptions(GroundingDinoOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,

            // ONNX Runtime's own warnings (e.g. unused initializers of an export) go to stderr, not ILogger; keep errors only.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (options.IntraOpNumThreads is { } threads)
        {
            sessionOptions.IntraOpNumThreads = threads;
        }

        return sessionOptions;
    }

    private static InferenceSession Open(string modelFile, SessionOptions sessionOptions)
    {
        try
        {
            return new InferenceSession(modelFile, sessionOptions);
        }
        catch (OnnxRuntimeException e) when (e.Message.Contains("Protobuf parsing failed", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("INVALID_PROTOBUF", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("INVALID_GRAPH", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("NO_MODEL", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"'{modelFile}' is not a loadable ONNX model: {e.Message}", e);
        }
    }
}
