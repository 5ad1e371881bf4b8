extern alias core;

// ViGoR.Core's result record is ViGoR.Detection, and this assembly's namespace ViGoR.Detection.Onnx
// makes ViGoR.Detection a namespace too; inside ViGoR.* namespaces the simple name "Detection"
// then resolves to the namespace. This alias names the record without ambiguity.
global using CoreDetection = core::ViGoR.Detection;
