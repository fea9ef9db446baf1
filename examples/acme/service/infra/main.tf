resource "aws_security_group" "support_bastion" {
  name        = "support-bastion"
  description = "Temporary access for the support team (2024 migration)"

  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_db_instance" "customers" {
  identifier        = "customers"
  engine            = "postgres"
  engine_version    = "16.4"
  instance_class    = "db.t3.medium"
  allocated_storage = 100
  storage_encrypted = true
}
