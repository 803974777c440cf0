output "network" {
  description = "Every output of the network module (an example shows them all, and the emulator test reads them here)."
  value       = module.network
}
