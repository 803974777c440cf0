# One passing plan per environment class, at the class defaults and at the edges of the allowed ranges.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
}

variables {
  name       = "class-test"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}

run "micro_defaults" {
  command = plan
  variables {
    environment_class = "mw1.micro"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].environment_class == "mw1.micro"
    error_message = "class not passed through"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].schedulers == 1 && aws_mwaa_environment.this[0].min_workers == 1 && aws_mwaa_environment.this[0].max_workers == 1
    error_message = "mw1.micro must default to 1 scheduler and exactly 1 worker"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].min_webservers == 1 && aws_mwaa_environment.this[0].max_webservers == 1
    error_message = "mw1.micro must default to exactly 1 webserver"
  }
  assert {
    condition     = output.capacity.tasks_per_worker == 3
    error_message = "mw1.micro runs 3 tasks per worker"
  }
}

run "micro_explicit_ones" {
  command = plan
  variables {
    environment_class = "mw1.micro"
    schedulers        = 1
    min_workers       = 1
    max_workers       = 1
    min_webservers    = 1
    max_webservers    = 1
  }
  assert {
    condition     = aws_mwaa_environment.this[0].schedulers == 1 && aws_mwaa_environment.this[0].max_webservers == 1
    error_message = "explicit micro values not passed through"
  }
}

run "small_defaults" {
  command = plan
  variables {
    environment_class = "mw1.small"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].schedulers == 2 && aws_mwaa_environment.this[0].min_workers == 1 && aws_mwaa_environment.this[0].max_workers == 10
    error_message = "mw1.small must default to 2 schedulers and 1-10 workers"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].min_webservers == 2 && aws_mwaa_environment.this[0].max_webservers == 2
    error_message = "mw1.small must default to 2 webservers"
  }
  assert {
    condition     = output.capacity.tasks_per_worker == 5
    error_message = "mw1.small runs 5 tasks per worker"
  }
}

run "small_upper_edges" {
  command = plan
  variables {
    environment_class = "mw1.small"
    schedulers        = 5
    min_workers       = 25
    max_workers       = 25
    min_webservers    = 5
    max_webservers    = 5
  }
  assert {
    condition     = aws_mwaa_environment.this[0].schedulers == 5 && aws_mwaa_environment.this[0].max_workers == 25 && aws_mwaa_environment.this[0].max_webservers == 5
    error_message = "upper edges not passed through"
  }
}

run "medium_autoscaling_webservers" {
  command = plan
  variables {
    environment_class = "mw1.medium"
    min_webservers    = 2
    max_webservers    = 5
    max_workers       = 20
  }
  assert {
    condition     = aws_mwaa_environment.this[0].min_webservers == 2 && aws_mwaa_environment.this[0].max_webservers == 5
    error_message = "webserver autoscaling range not passed through"
  }
  assert {
    condition     = output.capacity.tasks_per_worker == 10
    error_message = "mw1.medium runs 10 tasks per worker"
  }
}

run "large" {
  command = plan
  variables {
    environment_class = "mw1.large"
    schedulers        = 3
    min_workers       = 12
  }
  assert {
    condition     = aws_mwaa_environment.this[0].schedulers == 3 && aws_mwaa_environment.this[0].min_workers == 12 && aws_mwaa_environment.this[0].max_workers == 12
    error_message = "max_workers must default to at least min_workers"
  }
  assert {
    condition     = output.capacity.tasks_per_worker == 20
    error_message = "mw1.large runs 20 tasks per worker"
  }
}

run "xlarge" {
  command = plan
  variables {
    environment_class = "mw1.xlarge"
    airflow_version   = "3.0.6"
  }
  assert {
    condition     = aws_mwaa_environment.this[0].environment_class == "mw1.xlarge" && aws_mwaa_environment.this[0].airflow_version == "3.0.6"
    error_message = "class/version not passed through"
  }
  assert {
    condition     = output.capacity.tasks_per_worker == 40
    error_message = "mw1.xlarge runs 40 tasks per worker"
  }
}

run "two_xlarge_with_raised_worker_quota" {
  command = plan
  variables {
    environment_class = "mw1.2xlarge"
    worker_quota      = 50
    max_workers       = 40
  }
  assert {
    condition     = aws_mwaa_environment.this[0].max_workers == 40
    error_message = "a raised quota must allow more than 25 workers"
  }
  assert {
    condition     = output.capacity.tasks_per_worker == 80
    error_message = "mw1.2xlarge runs 80 tasks per worker"
  }
}
