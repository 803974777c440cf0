output "arn" {
  description = "ARN of the environment."
  value       = module.mwaa.arn
}

output "capacity" {
  description = "Schedulers, workers and webservers the class allows (all 1 for mw1.micro)."
  value       = module.mwaa.capacity
}
