// Interop is source-generated ([LibraryImport]); no runtime marshalling, so the binding is AOT-safe.
[assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]
