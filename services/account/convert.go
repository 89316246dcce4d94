package account

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db/dbq"
	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
)

func userToProto(u dbq.User) *accountv1.User {
	return &accountv1.User{
		Id: u.ID, Email: u.Email, DisplayName: u.DisplayName, CreateTime: timestamppb.New(u.CreatedAt),
		TimeZone: u.TimeZone,
	}
}

func apiTokenToProto(t dbq.ApiToken) *accountv1.ApiToken {
	out := &accountv1.ApiToken{
		Id: t.ID, Name: t.Name, Prefix: t.Prefix, CreateTime: timestamppb.New(t.CreatedAt),
	}
	if t.ExpiresAt != nil {
		out.ExpireTime = timestamppb.New(*t.ExpiresAt)
	}
	if t.LastUsedAt != nil {
		out.LastUseTime = timestamppb.New(*t.LastUsedAt)
	}
	return out
}
